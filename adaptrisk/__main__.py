from adaptrisk.cli import main

raise SystemExit(main())
