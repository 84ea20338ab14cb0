"""Bad input beyond the CSV reader: each case gets a message naming the input and the fix."""

import math
import subprocess
import sys
from pathlib import Path

import lightning.pytorch as pl
import pytest
import torch
from conftest import story_row, write_csv

from pl_modules import SentenceOrderingModel, StoryOrderingDataModule
from pl_modules.checkpoints import CheckpointError
from pl_modules.data import tokenize_story
from pl_modules.errors import InputError

CONFIG = Path(__file__).resolve().parents[1] / "configs" / "embedded.yaml"


def cli_error(tmp_path: Path, *args: str) -> str:
    run = subprocess.run([sys.executable, "-m", "pl_modules", *args], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode != 0
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    return run.stderr


def test_marker_text_inside_a_sentence_is_refused(tiny_model_dir):
    dm = StoryOrderingDataModule(tiny_model_dir)
    example = {"storyid": "s1", "text": "[CLS] He typed [CLS] twice. [CLS] It worked.", "labels": [0, 1]}
    with pytest.raises(InputError, match=r"story 's1': a sentence contains the marker token '\[CLS\]'"):
        tokenize_story(example, dm.tokenizer, 64)


def test_max_length_beyond_the_model_is_refused(tiny_model_dir):
    dm = StoryOrderingDataModule(tiny_model_dir, max_length=4096, max_stories=20)
    with pytest.raises(InputError, match="data.max_length=4096 exceeds the 512 tokens"):
        dm.prepare_data()


def test_empty_split_is_refused(tiny_model_dir, tmp_path):
    csv = write_csv(tmp_path / "three.csv", [story_row(i) for i in range(3)])
    dm = StoryOrderingDataModule(tiny_model_dir, stories=[str(csv)])
    with pytest.raises(InputError, match=r"split\(s\) of 3 stories would be empty"):
        dm.prepare_data()


@pytest.fixture(scope="module")
def checkpoint(tiny_model_dir, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("ckpt")
    trainer = pl.Trainer(max_steps=1, logger=False, enable_progress_bar=False,
                         enable_model_summary=False, limit_val_batches=0, default_root_dir=root)
    trainer.fit(SentenceOrderingModel(tiny_model_dir),
                datamodule=StoryOrderingDataModule(tiny_model_dir, max_stories=40, batch_size=4))
    trainer.save_checkpoint(root / "good.ckpt")
    return root / "good.ckpt"


def test_truncated_checkpoint_is_refused(checkpoint, tmp_path):
    cut = tmp_path / "cut.ckpt"
    cut.write_bytes(checkpoint.read_bytes()[: checkpoint.stat().st_size // 2])
    with pytest.raises(CheckpointError, match="cut.ckpt: not a complete checkpoint"):
        SentenceOrderingModel.load_from_checkpoint(cut)


def test_corrupt_checkpoint_is_refused(checkpoint, tmp_path):
    data = bytearray(checkpoint.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 4096] = bytes(b ^ 0xFF for b in data[middle : middle + 4096])
    bad = tmp_path / "bad.ckpt"
    bad.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="bad.ckpt: (corrupt|not a complete) checkpoint"):
        SentenceOrderingModel.load_from_checkpoint(bad)


def test_checkpoint_of_another_encoder_is_refused(checkpoint, tiny_model_dir, tmp_path):
    other = tmp_path / "other-encoder"
    other.symlink_to(tiny_model_dir)
    trainer = pl.Trainer(max_steps=1, logger=False, enable_progress_bar=False, limit_val_batches=0)
    with pytest.raises(CheckpointError, match="the checkpoint was trained from .* but this run builds"):
        trainer.fit(SentenceOrderingModel(str(other)),
                    datamodule=StoryOrderingDataModule(str(other), max_stories=40),
                    ckpt_path=checkpoint)


def test_nan_loss_stops_training_with_advice(tiny_model_dir):
    model = SentenceOrderingModel(tiny_model_dir)
    with torch.no_grad():
        model.encoder.classifier.bias.fill_(math.nan)
    trainer = pl.Trainer(max_steps=2, logger=False, enable_progress_bar=False,
                         enable_model_summary=False, limit_val_batches=0)
    with pytest.raises(FloatingPointError, match="training loss is nan at step 0.*Lower model.lr"):
        trainer.fit(model, datamodule=StoryOrderingDataModule(tiny_model_dir, max_stories=40))


def test_cli_reports_a_missing_story_file_in_one_line(tmp_path, tiny_model_dir):
    err = cli_error(tmp_path, "fit", "--config", str(CONFIG), "--model.model_name_or_path",
                    tiny_model_dir, "--data.stories", "[missing.csv]")
    assert "error: missing.csv: no such story file" in err


def test_cli_reports_a_zero_batch_size(tmp_path, tiny_model_dir):
    err = cli_error(tmp_path, "fit", "--config", str(CONFIG), "--model.model_name_or_path",
                    tiny_model_dir, "--data.batch_size", "0")
    assert "data.batch_size=0: a batch needs at least one story" in err


def test_cli_reports_a_yaml_syntax_error(tmp_path):
    bad = tmp_path / "typo.yaml"
    text = CONFIG.read_text().replace("  lr: 1.0e-4", "  lr: [1.0e-4")
    bad.write_text(text)
    line = text.splitlines().index("  lr: [1.0e-4") + 1
    err = cli_error(tmp_path, "fit", "--config", str(bad))
    assert "error: Problems parsing config" in err and f"line {line}, column" in err


def test_cli_reports_a_truncated_checkpoint(tmp_path, checkpoint, tiny_model_dir):
    cut = tmp_path / "cut.ckpt"
    cut.write_bytes(checkpoint.read_bytes()[:1000])
    err = cli_error(tmp_path, "test", "--config", str(CONFIG), "--model.model_name_or_path",
                    tiny_model_dir, "--ckpt_path", str(cut))
    assert "error: " in err and "cut.ckpt: not a complete checkpoint" in err


def test_missing_checkpoint_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.ckpt: no such checkpoint"):
        SentenceOrderingModel.load_from_checkpoint(tmp_path / "nothing.ckpt")


def test_no_story_source_is_refused():
    from pl_modules import load_stories

    with pytest.raises(InputError, match="no story source given"):
        load_stories([])


def test_sentences_longer_than_max_length_are_refused(checkpoint):
    from pl_modules import order_sentences

    long = ["word " * 60 + "end.", "Another sentence here."]
    with pytest.raises(InputError, match=r"take \d+ tokens with their markers, more than max_length=32"):
        order_sentences(checkpoint, long, max_length=32)
