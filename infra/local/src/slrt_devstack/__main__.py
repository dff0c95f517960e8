from slrt_devstack.cli import main

main()
