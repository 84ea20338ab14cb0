"""The GPU experiment's own config, `configs/rocstories_bert.yaml`, run end to end on the CPU.

Only command-line overrides change it: the accelerator, the model folder, a few steps and the
stories (the ROCStories sample where it is present, else the open corpus), besides two switches
that only quiet the output. The model folder is
built here, offline: a BERT-shaped encoder with random weights and a cased WordPiece vocabulary
trained on the open corpus, whose marker `[CLS]` is not id 101. Those are the two ways in which
bert-base-cased differs from the embedded model; the precision is the config's own choice.
"""

from __future__ import annotations

import contextlib
import json
import math

import pytest
import torch
import yaml
from conftest import ROCSTORIES_SAMPLE, ROOT
from lightning.pytorch.plugins.precision import MixedPrecision
from tokenizers import BertWordPieceTokenizer
from transformers import BertConfig, BertForTokenClassification, BertTokenizer

import pl_modules
from pl_modules.cli import main
from pl_modules.precision import choose_precision
from pl_modules.stories import EMBEDDED, embedded_corpus_path, read_story_csv

CONFIG = ROOT / "configs" / "rocstories_bert.yaml"
SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]  # [CLS] is id 2, not BERT's 101


@pytest.fixture(scope="module")
def cased_bert(tmp_path_factory) -> str:
    """A 2-layer BERT (bert-base's widths, random weights) with a cased WordPiece vocabulary."""
    folder = tmp_path_factory.mktemp("cased-bert")
    sentences = [s for row in read_story_csv(embedded_corpus_path()) for s in row["sentences"]]
    wordpiece = BertWordPieceTokenizer(lowercase=False, strip_accents=False)
    wordpiece.train_from_iterator(sentences, vocab_size=3000, special_tokens=SPECIAL,
                                  show_progress=False)
    tokenizer = BertTokenizer(vocab=wordpiece.get_vocab(), do_lower_case=False,
                              model_max_length=512)
    tokenizer.save_pretrained(folder)
    config = BertConfig(vocab_size=len(tokenizer), num_hidden_layers=2, num_labels=1,
                        pad_token_id=tokenizer.pad_token_id)
    torch.manual_seed(0)
    BertForTokenClassification(config).save_pretrained(folder)
    return str(folder)


@pytest.fixture(scope="module")
def runs(cased_bert, tmp_path_factory) -> dict:
    """fit, test and predict with the GPU config, in a fresh folder (its loggers write to runs/)."""
    stories = json.dumps([str(ROCSTORIES_SAMPLE)]) if ROCSTORIES_SAMPLE.is_file() else EMBEDDED
    overrides = [
        "--config", str(CONFIG),
        "--trainer.accelerator", "cpu",
        "--model.model_name_or_path", cased_bert,
        "--trainer.max_epochs", "1", "--trainer.limit_train_batches", "3",
        "--trainer.limit_val_batches", "2",
        "--data.stories", stories,
        "--trainer.enable_progress_bar", "false", "--trainer.enable_model_summary", "false",
    ]
    folder = tmp_path_factory.mktemp("gpu-config")
    with contextlib.chdir(folder):
        fit = main(args=["fit", *overrides])
        best = str(folder / fit.trainer.checkpoint_callback.best_model_path)
        tested = main(args=["test", *overrides, "--ckpt_path", best, "--verbose", "false"])
        predicted = main(args=["predict", *overrides, "--ckpt_path", best])
    saved = yaml.safe_load((folder / fit.trainer.logger.log_dir / "config.yaml").read_text())
    return {"fit": fit, "test": tested, "predict": predicted, "best": best, "saved": saved}


def test_fit_test_predict_and_order_sentences_run(runs):
    fit, tested = runs["fit"], runs["test"]
    assert fit.trainer.global_step == 3
    assert runs["best"].endswith("best.ckpt")
    metrics = {k: float(v) for k, v in tested.trainer.callback_metrics.items()}
    assert set(metrics) == {"test_loss", "test_tau", "test_acc", "test_pmr"}
    assert all(math.isfinite(v) for v in metrics.values())
    assert -1 <= metrics["test_tau"] <= 1
    predictions = [p for batch in runs["predict"].trainer.predict_loop.predictions for p in batch]
    test_split = runs["predict"].datamodule.splits["test"]
    assert [p["storyid"] for p in predictions] == test_split["storyid"]
    assert all(sorted(p["predicted_order"]) == list(range(5)) for p in predictions)
    sentences = ["Mira packed a bag.", "She took the early train.", "She walked on the beach.",
                 "The wind grew cold.", "She went home happy."]
    ordered = pl_modules.order_sentences(runs["best"], sentences)
    assert sorted(ordered) == sorted(sentences)


def test_the_config_reads_each_sentence_at_a_marker_that_is_not_101(runs, cased_bert):
    model, data = runs["fit"].model, runs["fit"].datamodule
    assert model.hparams.pooling == "marker"
    assert model.hparams.model_name_or_path == data.hparams.model_name_or_path == cased_bert
    assert data.tokenizer.cls_token == "[CLS]"
    assert model.marker_id == data.tokenizer.cls_token_id == SPECIAL.index("[CLS]") != 101
    for story in data.splits["train"].select(range(20)):
        assert story["input_ids"].count(model.marker_id) == len(story["labels"]) == 5


def test_the_vocabulary_keeps_case(runs):
    data = runs["fit"].datamodule
    assert data.tokenizer.tokenize("She said") == ["She", "said"]
    assert data.tokenizer.tokenize("she Said")[0] == "she"
    story = data.splits["train"][0]
    tokens = data.tokenizer.convert_ids_to_tokens(story["input_ids"])
    assert any(t[0].isupper() for t in tokens if t not in SPECIAL), "capitals lost in the inputs"


def test_the_precision_is_the_configs_choice_for_this_cpu(runs):
    expected = choose_precision("cpu").precision
    assert yaml.safe_load(CONFIG.read_text())["trainer"]["precision"] == "auto"
    trainer, model = runs["fit"].trainer, runs["fit"].model
    assert trainer.precision == runs["saved"]["trainer"]["precision"] == expected
    batch = runs["fit"].datamodule.test_dataloader().collate_fn(
        [runs["fit"].datamodule.splits["test"][i] for i in range(2)])
    with torch.no_grad(), trainer.precision_plugin.forward_context():
        logits = model.encoder(input_ids=batch["input_ids"],
                               attention_mask=batch["attention_mask"]).logits
    if expected == "bf16-mixed":
        assert isinstance(trainer.precision_plugin, MixedPrecision)
        assert trainer.precision_plugin.device == "cpu"
        assert logits.dtype == torch.bfloat16
    else:
        assert logits.dtype == torch.float32
