"""Synthetic demo data for development and `make run`: people, cases, referrals and casework for
one fictional area, written through the production services, and the ``seed_demo`` and
``demo_signins`` commands that load and show it. Kept out of the domain apps so production code
never imports it; it sits above them and may import any of them."""
