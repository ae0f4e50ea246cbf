from queuelab.cli.main import main

main()
