from nngrade.cli import main
import sys
sys.exit(main())
