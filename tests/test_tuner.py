"""The Tuner finds what it needs: `lr` on the model, `batch_size` on the data module."""

import lightning.pytorch as pl
from lightning.pytorch.tuner import Tuner

from pl_modules import SentenceOrderingModel, StoryOrderingDataModule


def trainer(root) -> pl.Trainer:
    return pl.Trainer(accelerator="cpu", default_root_dir=root, logger=False, max_epochs=1,
                      enable_progress_bar=False, enable_model_summary=False,
                      enable_checkpointing=False, limit_val_batches=1)


def test_lr_find_sets_the_model_lr(tiny_model_dir, tmp_path):
    model = SentenceOrderingModel(tiny_model_dir, lr=1e-5)
    dm = StoryOrderingDataModule(tiny_model_dir, max_stories=120, batch_size=4)
    finder = Tuner(trainer(tmp_path)).lr_find(model, datamodule=dm, num_training=30,
                                             min_lr=1e-5, max_lr=1e-2)
    assert len(finder.results["lr"]) > 10  # stops early once the loss diverges
    assert model.lr == finder.suggestion() != 1e-5


def test_scale_batch_size_changes_the_data_module(tiny_model_dir, tmp_path):
    model = SentenceOrderingModel(tiny_model_dir)
    dm = StoryOrderingDataModule(tiny_model_dir, max_stories=200, batch_size=2)
    found = Tuner(trainer(tmp_path)).scale_batch_size(
        model, datamodule=dm, mode="power", init_val=2, max_trials=3, steps_per_trial=1)
    assert found == dm.batch_size == 8  # 2, 4, 8: three trials
