"""Site adapters: one package per site behind the interface in `base.py`; `registry` names them."""
