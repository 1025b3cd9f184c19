"""The composition root (`salesbridge.app`), the HTTP server and the command line: the top of the layers."""
