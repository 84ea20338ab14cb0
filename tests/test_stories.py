import csv

import pytest
from conftest import HEADER, ROCSTORIES_SAMPLE, needs_rocstories_sample, story_row, write_csv

from pl_modules.stories import SENTENCE_COLUMNS, StoryFormatError, embedded_corpus_path, load_stories


def test_embedded_corpus_is_the_default():
    stories = load_stories()
    assert len(stories) >= 1500
    assert set(stories.column_names) == {"storyid", "storytitle", "sentences"}
    assert all(len(s) == 5 for s in stories["sentences"][:50])


def test_csv_with_quoted_commas_and_several_files(tmp_path):
    row = story_row(1)
    row[2] = 'Mira said "hello, world" to the sea, twice.'
    a = write_csv(tmp_path / "a.csv", [row])
    b = write_csv(tmp_path / "b.csv", [story_row(2), story_row(3)])
    stories = load_stories([str(a), str(b)])
    assert stories["storyid"] == ["test-0001", "test-0002", "test-0003"]
    assert stories[0]["sentences"][0] == 'Mira said "hello, world" to the sea, twice.'


def test_story_title_is_optional(tmp_path):
    header = [h for h in HEADER if h != "storytitle"]
    path = write_csv(tmp_path / "s.csv", [[story_row(1)[0], *story_row(1)[2:]]], header)
    assert load_stories(str(path))[0]["storytitle"] == ""


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "the file is empty"),
        ("storyid,sentence1,sentence2\nx,a,b\n", "missing column(s) sentence3, sentence4, sentence5"),
        (",".join(HEADER) + "\n", "a header but no stories"),
        (",".join(HEADER) + "\nid1,t,a,b,c,d\n", "line 2: 4 sentences instead of 5 (no sentence5)"),
        (",".join(HEADER) + "\nid1,t,a,b,c,d,e,f\n", "line 2: more fields than the header"),
        (",".join(HEADER) + "\nid1,t,a,b,  ,d,e\n", "line 2, column sentence3: empty sentence"),
        (",".join(HEADER) + "\nid1,t,a,b,c,,e\n", "line 2, column sentence4: empty sentence"),
        (",".join(HEADER) + "\n,t,a,b,c,d,e\n", "line 2, column storyid: empty story id"),
    ],
)
def test_bad_csv_names_file_line_and_problem(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(StoryFormatError, match="bad.csv") as err:
        load_stories(str(path))
    assert message in str(err.value)


def test_non_utf8_bytes_name_the_line(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes((",".join(HEADER) + "\nid1,t,a,b,c,d,caf\xe9 time\n").encode("latin-1"))
    with pytest.raises(StoryFormatError, match=r"latin1.csv, line 2: bytes that are not UTF-8"):
        load_stories(str(path))


def test_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.csv: no such story file"):
        load_stories(str(tmp_path / "nope.csv"))


def test_hub_name_offline_gives_a_clear_error(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    with pytest.raises(StoryFormatError, match="could not load the Hub dataset 'someone/rocstories'"):
        load_stories("someone/rocstories")


def test_mixing_sources_is_refused(tmp_path):
    path = write_csv(tmp_path / "a.csv", [story_row(1)])
    with pytest.raises(StoryFormatError, match="cannot mix"):
        load_stories([str(path), "someone/rocstories"])


def test_embedded_corpus_file_ships_with_the_package():
    assert embedded_corpus_path().is_file()


@needs_rocstories_sample
def test_reads_the_official_rocstories_format():
    """Every row of the official CSV becomes one story, in file order, its id and five sentences
    as the csv module reads them (outer spaces stripped, nothing else changed)."""
    with ROCSTORIES_SAMPLE.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    stories = load_stories(str(ROCSTORIES_SAMPLE))
    assert len(rows) > 1000 and len(stories) == len(rows)
    assert stories["storyid"] == [row["storyid"] for row in rows]
    assert stories["storytitle"] == [row["storytitle"].strip() for row in rows]
    assert stories["sentences"] == [[row[c].strip() for c in SENTENCE_COLUMNS] for row in rows]
