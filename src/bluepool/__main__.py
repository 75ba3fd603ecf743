from bluepool.cli import main

main()
