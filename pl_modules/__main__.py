from pl_modules.cli import main

main()
