"""bibkit: annotated bibliographies whose entries link to the claims they back."""

__version__ = "0.1.0"
