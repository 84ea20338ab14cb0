import pytest
from conftest import story_row, write_csv

from pl_modules.data import LABEL_PAD, OrderingCollator, StoryOrderingDataModule, tokenize_story


@pytest.fixture(scope="module")
def dm(tiny_model_dir):
    data = StoryOrderingDataModule(tiny_model_dir, max_stories=200, batch_size=8, eval_batch_size=16)
    data.prepare_data()
    data.setup("fit")
    return data


def test_splits_are_saved_by_prepare_data_and_read_by_a_fresh_setup(dm, tiny_model_dir):
    assert dm.split_path.is_dir()
    other = StoryOrderingDataModule(tiny_model_dir, max_stories=200, batch_size=8)
    other.setup("fit")  # another process: no prepare_data, same splits from disk
    assert other.splits["test"]["input_ids"] == dm.splits["test"]["input_ids"]
    assert sum(len(dm.splits[s]) for s in ("train", "val", "test")) == 200


def test_inputs_mark_every_sentence_and_end_with_the_separator(dm):
    row = dm.splits["train"][0]
    assert row["input_ids"].count(101) == 5 == len(row["labels"])
    assert row["input_ids"][0] == 101 and row["input_ids"][-1] == 102


def test_batches_are_padded_to_their_longest_story(dm):
    batch = next(iter(dm.train_dataloader()))
    lengths = batch["attention_mask"].sum(1)
    assert batch["input_ids"].shape == (8, lengths.max().item())
    assert lengths.max() < 128  # not the model's maximum length
    assert (batch["input_ids"][batch["attention_mask"] == 0] == 0).all()
    assert batch["labels"].shape == (8, 5) and len(batch["storyid"]) == 8


def test_collator_pads_labels_with_minus_100():
    batch = OrderingCollator(pad_token_id=0)(
        [{"storyid": "a", "input_ids": [101, 5, 101, 6, 102], "labels": [1, 0]},
         {"storyid": "b", "input_ids": [101, 7, 101, 8, 101, 9, 102], "labels": [2, 0, 1]}]
    )
    assert batch["labels"].tolist() == [[1, 0, LABEL_PAD], [2, 0, 1]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1, 1, 1, 0, 0], [1] * 7]


def test_batch_size_is_an_attribute_the_tuner_can_change(dm):
    dm.batch_size = 3
    assert next(iter(dm.train_dataloader()))["input_ids"].size(0) == 3
    dm.batch_size = 8


@pytest.mark.parametrize("name", ["batch_size", "eval_batch_size"])
@pytest.mark.parametrize("value", [0, -4])
def test_non_positive_batch_size_is_refused(name, value):
    with pytest.raises(ValueError, match=f"data.{name}={value}: a batch needs at least one story"):
        StoryOrderingDataModule(**{name: value})


def test_truncation_keeps_surviving_markers_and_reports_them(tmp_path, tiny_model_dir):
    csv = write_csv(tmp_path / "s.csv", [story_row(i) for i in range(60)])
    dm = StoryOrderingDataModule(tiny_model_dir, stories=[str(csv)], max_length=30,
                                 val_fraction=0.2, test_fraction=0.2)
    dm.prepare_data()
    with pytest.warns(UserWarning, match=r"train: \d+ of \d+ stories lost sentence markers"):
        dm.setup("fit")
    for row in dm.splits["train"]:
        assert len(row["input_ids"]) == 30 and row["input_ids"][-1] == 102
        assert row["input_ids"].count(101) == len(row["labels"]) < 5


def test_text_truncated_past_its_markers_is_an_error(dm):
    example = {"storyid": "long-one", "text": "[CLS] " + "word " * 40 + "[CLS] end.", "labels": [1, 0]}
    with pytest.raises(ValueError, match="story 'long-one': only 1 of 2 sentence markers survive"):
        tokenize_story(example, dm.tokenizer, max_length=16)


def test_max_length_too_short_for_two_sentences_is_refused():
    with pytest.raises(ValueError, match="data.max_length=4: too short to hold two sentences"):
        StoryOrderingDataModule(max_length=4)
