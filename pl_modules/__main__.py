import sys

from pl_modules.cli import main
from pl_modules.errors import InputError

try:
    main()
except (InputError, FloatingPointError) as err:
    sys.exit(f"error: {err}")
