"""Synthetic data at scale: `manage.py generate_dataset` fills the real tables at COPY speed."""
