from reluscape.cli import main

raise SystemExit(main())
