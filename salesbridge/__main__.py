from salesbridge.cli import main

main()
