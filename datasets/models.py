"""The record a generated dataset keeps of itself, so a database is known to hold all of one
(``manage.py generate_dataset``) before anything measures it."""

from __future__ import annotations

from django.db import models

# The shape of what datasets/synthetic.py writes: raised when it changes what a dataset holds,
# so a database generated before then is not taken for one generated now.
SHAPE = 2


class Generation(models.Model):
    """One run of the generator on this database. ``completed_at`` is set when the last rows
    are in: into empty tables in the same transaction as every row (so a completed generation
    is all there, and a failed one left nothing); otherwise the row is written when the run
    starts and completed at its end, so a run that stopped half-way stays incomplete."""

    cases = models.PositiveIntegerField()
    users = models.PositiveIntegerField()
    agencies = models.PositiveIntegerField()
    seed = models.IntegerField()
    shape = models.PositiveSmallIntegerField()
    mode = models.CharField(max_length=20)
    started_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)
    rows = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ("started_at",)

    def __str__(self) -> str:
        state = f"complete in {self.seconds:.0f} s" if self.completed_at and self.seconds else "incomplete"
        return f"{self.cases:,} cases, seed {self.seed} ({state})"

    @classmethod
    def complete(cls, *, cases: int, seed: int | None = None) -> Generation | None:
        """The completed generation of ``cases`` cases (from ``seed``, when given), of today's
        shape, when this database holds exactly one and nothing else generated."""
        generations = list(cls.objects.all())
        if len(generations) != 1:
            return None
        (generation,) = generations
        if (
            generation.completed_at is None
            or generation.cases != cases
            or (seed is not None and generation.seed != seed)
            or generation.shape != SHAPE
        ):
            return None
        return generation
