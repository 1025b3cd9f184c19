"""The product knowledge base: ingestion, tokenisation, index, retrieval, answers, evaluation."""
