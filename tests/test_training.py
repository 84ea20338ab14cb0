"""A short real training run of the embedded model on the CPU, and what it leaves behind."""

import lightning.pytorch as pl
import pytest
import torch

from pl_modules import SentenceOrderingModel, StoryOrderingDataModule, order_sentences


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    torch.set_num_threads(2)
    pl.seed_everything(0)
    root = tmp_path_factory.mktemp("train")
    dm = StoryOrderingDataModule(max_stories=640, batch_size=16, eval_batch_size=64)
    model = SentenceOrderingModel(lr=1e-4)
    trainer = pl.Trainer(
        max_epochs=2, accelerator="cpu", default_root_dir=root, logger=False,
        enable_progress_bar=False, enable_model_summary=False, num_sanity_val_steps=0,
    )
    before = trainer.validate(model, datamodule=dm, verbose=False)[0]
    trainer.fit(model, datamodule=dm)
    after = trainer.validate(model, datamodule=dm, verbose=False)[0]
    ckpt = root / "model.ckpt"
    trainer.save_checkpoint(ckpt)
    return before, after, model, ckpt, dm


def test_validation_tau_rises_clearly(trained):
    before, after, *_ = trained
    assert after["val_tau"] > before["val_tau"] + 0.15, (before, after)
    assert after["val_loss"] < before["val_loss"]


def test_checkpoint_reloads_from_its_path_alone(trained):
    _, after, model, ckpt, dm = trained
    loaded = SentenceOrderingModel.load_from_checkpoint(ckpt)
    assert loaded.hparams == model.hparams
    for (name, a), b in zip(model.state_dict().items(), loaded.state_dict().values()):
        assert torch.equal(a, b), name
    trainer = pl.Trainer(accelerator="cpu", logger=False, enable_progress_bar=False)
    again = trainer.validate(loaded, datamodule=dm, verbose=False)[0]
    assert again["val_tau"] == pytest.approx(after["val_tau"], abs=1e-6)


def test_order_sentences_returns_the_same_sentences_reordered(trained):
    *_, ckpt, dm = trained
    story = dm.splits["test"][0]
    ordered = order_sentences(ckpt, story["shuffled"])
    assert sorted(ordered) == sorted(story["shuffled"])


def test_order_sentences_rejects_empty_input(trained):
    model = trained[2]
    with pytest.raises(ValueError, match="at least two non-empty sentences"):
        order_sentences(model, ["Only one."])
