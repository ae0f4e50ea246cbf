from queuelab.cli import main

main()
