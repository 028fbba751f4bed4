"""Entry point: `python3.X /var/runtime/bootstrap.py` (Lamina's runtime for `python3.*`)."""
from lamina_ric.loop import main

if __name__ == "__main__":
    main()
