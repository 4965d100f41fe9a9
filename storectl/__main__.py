from storectl.cli import main

main()
