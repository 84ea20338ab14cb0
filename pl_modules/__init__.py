"""Sentence ordering with PyTorch Lightning: the package behind the book."""

from pl_modules.backbone import EMBEDDED_MODEL
from pl_modules.data import OrderingCollator, StoryOrderingDataModule
from pl_modules.inference import order_sentences
from pl_modules.model import SentenceOrderingModel
from pl_modules.stories import StoryFormatError, load_stories

__all__ = [
    "EMBEDDED_MODEL",
    "OrderingCollator",
    "SentenceOrderingModel",
    "StoryFormatError",
    "StoryOrderingDataModule",
    "load_stories",
    "order_sentences",
]
__version__ = "1.0.0"
