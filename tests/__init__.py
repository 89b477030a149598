"""Test suite root: a package, so each area imports as tests.<area> and never shadows adoext or backend."""
