from blebench.cli import main

raise SystemExit(main())
