from cc_tui.cli import main

main()
