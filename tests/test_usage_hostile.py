"""A generated hostile-input corpus for usage ingest (issue 17 item 1): every class of value a row can carry.

Each row-level case is a small file holding good rows and one hostile row: the hostile row must be quarantined
(or, where stated, skipped or accepted exactly) and the good rows must land. Whole-file cases (not a file of
that kind at all) must fail with one clear InputError and leave the store unchanged. The same corpus then goes
through the real CLI in a subprocess: exit codes, and never a traceback.

Nothing large is checked in: the corpus is built here, deterministically.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from llmflation.errors import InputError
from llmflation.usage.store import UsageStore

T0 = 1735000000  # 2024-12-24, inside every bundled price's validity


@dataclass(frozen=True)
class Case:
    name: str
    klass: str
    filename: str
    data: bytes
    accepted: int = 1
    quarantined: int = 1
    skipped: int = 0
    fmt: str = "auto"
    mapping: tuple[str, ...] = ()
    whole_file: bool = False


def oc(rid: str, created: Any = T0, model: Any = "gpt-4o", prompt: Any = 100, completion: Any = 10,
       **extra: Any) -> dict[str, Any]:
    return {"id": rid, "object": "chat.completion", "created": created, "model": model,
            "usage": {"prompt_tokens": prompt, "completion_tokens": completion}, **extra}


def line(obj: Any) -> str:
    return json.dumps(obj, allow_nan=True)


def jsonl(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass")


GOOD = line(oc("good-1"))


def with_raw(rid: str, key: str, raw: str) -> str:
    """An OpenAI line whose `key` (created | model | prompt | cost | id) is the raw JSON text `raw`."""
    base = oc(rid)
    marker = "__RAW__"
    if key == "prompt":
        base["usage"]["prompt_tokens"] = marker
    elif key == "cost":
        base["cost"] = marker
    else:
        base[key] = marker
    return line(base).replace(f'"{marker}"', raw)


LITELLM_HEADER = "request_id,startTime,model,prompt_tokens,completion_tokens,spend,metadata"


def litellm_csv(*rows: str, sep: str = ",") -> bytes:
    good = sep.join(["r-good", "2024-12-24T10:00:00Z", "gpt-4o", "100", "10", "0.001", "{}"])
    return (LITELLM_HEADER.replace(",", sep) + "\n" + good + "\n" + "".join(r + "\n" for r in rows)).encode()


def otel_line(rid: str, input_tokens: Any) -> str:
    raw = input_tokens if isinstance(input_tokens, str) else None
    span = {"traceId": "t", "spanId": rid, "startTimeUnixNano": str(T0 * 10**9), "attributes": [
        {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o"}},
        {"key": "gen_ai.usage.input_tokens", "value": "__RAW__" if raw else input_tokens},
        {"key": "gen_ai.usage.output_tokens", "value": {"intValue": "5"}}]}
    text = line({"resourceSpans": [{"resource": {"attributes": []}, "scopeSpans": [{"spans": [span]}]}]})
    return text.replace('"__RAW__"', raw) if raw else text


def nested_value(depth: int) -> str:
    """An OTLP attribute value nested `depth` arrays deep, as JSON text (too deep for json.dumps)."""
    return '{"arrayValue": {"values": [' * depth + '{"intValue": "1"}' + "]}}" * depth


def canonical_parquet(path: Path, hostile: dict[str, Any]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    cols = {"ts": pa.timestamp("us"), "model": pa.string(), "input_uncached": pa.int64(), "cache_read": pa.int64(),
            "cache_write": pa.int64(), "output_text": pa.int64(), "output_reasoning": pa.int64(),
            "reported_cost": pa.decimal128(38, 0)}
    good = {"ts": T0 * 10**6, "model": "gpt-4o", "input_uncached": 100, "cache_read": 0, "cache_write": 0,
            "output_text": 10, "output_reasoning": 0, "reported_cost": None}
    rows = [good, {**good, **hostile}]
    arrays = []
    for name, typ in cols.items():
        values = [r[name] for r in rows]
        if name == "ts":
            arrays.append(pa.array(values, pa.int64()).cast(typ))
        else:
            arrays.append(pa.array(values, typ))
    pq.write_table(pa.Table.from_arrays(arrays, names=list(cols)), path)


def corpus(tmp: Path) -> list[Case]:
    """The hostile corpus, by class. Files that need a library to build (Parquet) are written here too."""
    cases: list[Case] = []

    def add(name: str, klass: str, filename: str, data: bytes, **kw: Any) -> None:
        cases.append(Case(name, klass, filename, data, **kw))

    # numbers of any size or type, in a token count
    for name, raw in [("10^400", "1" + "0" * 400), ("1e30", "1e30"), ("NaN", "NaN"), ("Infinity", "Infinity"),
                      ("-Infinity", "-Infinity"), ("negative", "-5"), ("5000 digits", "7" * 5000),
                      ("string", '"12"'), ("object", '{"a": 1}'), ("list", "[1]"), ("fraction", "1.5"),
                      ("bool", "true"), ("null", "null")]:
        add(f"tokens {name}", "numbers", "n.jsonl", jsonl(GOOD, with_raw("h", "prompt", raw)))
    for name, value in [("1e999999999", "1e999999999"), ("23 digits", "9" * 23), ("inf", "inf"), ("-0.5", "-0.5"),
                        ("1e400", "1e400")]:
        add(f"csv tokens {name}", "numbers", "n.csv",
            litellm_csv(",".join(["r-bad", "2024-12-24T10:00:00Z", "gpt-4o", value, "1", "", "{}"])))
    generic_header = "ts,model,requests,input,output\n"
    add("requests=0 with tokens", "numbers", "r.csv",
        (generic_header + "2024-12-24T00:00:00,gpt-4o,1,100,10\n2024-12-24T00:00:00,gpt-4o,0,100000,10\n").encode(),
        mapping=("ts=ts", "model=model", "requests=requests", "input=input", "output=output"))
    add("requests=0 without tokens", "numbers", "r.csv",
        (generic_header + "2024-12-24T00:00:00,gpt-4o,1,100,10\n2024-12-24T00:00:00,gpt-4o,0,0,0\n").encode(),
        mapping=("ts=ts", "model=model", "requests=requests", "input=input", "output=output"),
        quarantined=0, skipped=1)
    usage_page = {"object": "page", "data": [{"object": "bucket", "start_time": T0, "results": [
        {"model": "gpt-4o", "input_tokens": 100, "output_tokens": 10, "num_model_requests": 1},
        {"model": "gpt-4o", "input_tokens": 100000, "output_tokens": 10, "num_model_requests": 0}]}]}
    add("num_model_requests=0 with tokens", "numbers", "u.json", json.dumps(usage_page).encode())

    # reported costs
    for name, raw in [("1e30", "1e30"), ("10^400", "1" + "0" * 400), ("negative", "-1"), ("NaN", "NaN"),
                      ("text", '"twelve"'), ("object", "{}")]:
        add(f"cost {name}", "costs", "c.jsonl", jsonl(GOOD, with_raw("h", "cost", raw)))
    add("cost with 25 decimals (kept to 12)", "costs", "c.jsonl",
        jsonl(GOOD, with_raw("h", "cost", "0.0000123456789012345678901")), accepted=2, quarantined=0)
    add("csv spend 1e400", "costs", "c.csv",
        litellm_csv(",".join(["r-bad", "2024-12-24T10:00:00Z", "gpt-4o", "1", "1", "1e400", "{}"])))

    # timestamps of any form
    for name, raw in [("10^400", "1" + "0" * 400), ("9999-12-31T23:59:59-12:00", '"9999-12-31T23:59:59-12:00"'),
                      ("0001-01-01T00:00:00+14:00", '"0001-01-01T00:00:00+14:00"'), ("1e300", "1e300"),
                      ("-1e20", "-1e20"), ("NaN", "NaN"), ("before 2020", '"2019-06-01T00:00:00Z"'),
                      ("next century", '"2126-01-01T00:00:00Z"'), ("text", '"not a date"'),
                      ("10k characters", json.dumps("2024" * 2500)), ("object", "{}"), ("bool", "true")]:
        add(f"timestamp {name}", "timestamps", "t.jsonl", jsonl(GOOD, with_raw("h", "created", raw)))

    # any string
    for name, raw in [("lone surrogate", '"gpt-4o\\ud800"'), ("NUL", '"gpt-4o\\u0000"'),
                      ("100k characters", json.dumps("g" * 100_000)), ("terminal escape", '"\\u001b[31mgpt-4o"'),
                      ("number 10^400", "1" + "0" * 400), ("list", '["gpt-4o"]')]:
        add(f"model {name}", "strings", "s.jsonl", jsonl(GOOD, with_raw("h", "model", raw)))
    add("request id 10^400", "strings", "s.jsonl", jsonl(GOOD, with_raw("h", "id", "1" + "0" * 400)))
    add("1000 tags", "strings", "s.jsonl", jsonl(GOOD, line(oc("h", tags=[f"t{i}" for i in range(1000)]))))
    tagged = line(oc("h")).replace('"id": "h"', '"id": "h", "tags": ["a\\udfff"]')
    add("surrogate in a tag", "strings", "s.jsonl", jsonl(GOOD, tagged))
    langfuse_bad = ('{"id": "o2", "type": "GENERATION", "startTime": "2024-12-24T10:00:00Z", "model": "gpt-4o", '
                    '"usageDetails": {"input": 10, "out\\ud800": 5}}')
    add("surrogate in a usage key", "strings", "l.jsonl", jsonl(line(
        {"id": "o1", "type": "GENERATION", "startTime": "2024-12-24T10:00:00Z", "model": "gpt-4o",
         "usageDetails": {"input": 10, "output": 5}}), langfuse_bad))

    # any nesting depth
    add("JSON line nested 100,000 deep", "nesting", "d.jsonl",
        jsonl(GOOD, '{"id": "h", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"))
    add("OTel attribute nested 200 deep", "nesting", "d.jsonl",
        jsonl(otel_line("s1", {"intValue": "10"}), otel_line("s2", nested_value(200))))
    add("OTel attribute nested 5,000 deep", "nesting", "d.jsonl",
        jsonl(otel_line("s1", {"intValue": "10"}), otel_line("s2", nested_value(5000))))
    add("JSON document nested 100,000 deep", "nesting", "d.json",
        ('{"resourceSpans": ' + "[" * 100_000 + "]" * 100_000 + "}").encode(), whole_file=True)

    # any bytes, CSV and TSV
    add("CSV field over 128 KiB", "bytes", "b.csv",
        litellm_csv(",".join(["r-bad", "2024-12-24T10:00:00Z", "gpt-4o", "1", "1", "", '"' + "m" * 200_000 + '"'])))
    bad_utf8 = litellm_csv().rstrip(b"\n") + b"\nr-bad,2024-12-24T10:00:00Z,gpt-\xff\xfe4o,1,1,,{}\n"
    add("invalid UTF-8 in one CSV row", "bytes", "b.csv", bad_utf8)
    add("NUL in a CSV model", "bytes", "b.csv",
        litellm_csv(",".join(["r-bad", "2024-12-24T10:00:00Z", "gpt-4o\x00", "1", "1", "", "{}"])))
    add("CSV row with missing columns", "bytes", "b.csv", litellm_csv("r-bad,2024-12-24T10:00:00Z,gpt-4o"))
    add("CSV unterminated quote", "bytes", "b.csv", litellm_csv('r-bad,2024-12-24T10:00:00Z,gpt-4o,"1'))
    add("invalid UTF-8 in a JSON line", "bytes", "b.jsonl", GOOD.encode() + b'\n{"id": "\xff\xfe"}\n')
    add("invalid UTF-8 in a one-line OTel export", "bytes", "b.jsonl", b'{"resourceSpans": "\xff"}', accepted=0)
    add("valid TSV (canonical columns)", "bytes", "v.tsv",
        b"ts\tmodel\tinput_uncached\tcache_read\tcache_write\toutput_text\toutput_reasoning\n"
        b"2024-12-24T00:00:00\tgpt-4o\t100\t0\t0\t10\t0\n2024-12-24T01:00:00\tgpt-4o\t200\t0\t0\t20\t0\n",
        accepted=2, quarantined=0)
    add("valid TSV (LiteLLM)", "bytes", "v.tsv",
        litellm_csv("\t".join(["r-2", "2024-12-24T11:00:00Z", "gpt-4o", "5", "5", "", "{}"]), sep="\t"),
        accepted=2, quarantined=0)

    # Parquet
    canonical_parquet(tmp / "p-ts.parquet", {"ts": 20000 * 366 * 86400 * 10**6})
    add("Parquet timestamp in year 20000", "parquet", "p-ts.parquet", (tmp / "p-ts.parquet").read_bytes())
    canonical_parquet(tmp / "p-tok.parquet", {"input_uncached": 2**62})
    add("Parquet token count 2^62", "parquet", "p-tok.parquet", (tmp / "p-tok.parquet").read_bytes())
    canonical_parquet(tmp / "p-cost.parquet", {"reported_cost": Decimal(10) ** 30})
    add("Parquet cost 10^30", "parquet", "p-cost.parquet", (tmp / "p-cost.parquet").read_bytes())
    whole = (tmp / "p-tok.parquet").read_bytes()
    add("Parquet truncated", "parquet", "p-cut.parquet", whole[: len(whole) // 2], whole_file=True)
    add("Parquet of random bytes", "parquet", "p-rnd.parquet", bytes(range(256)) * 8, whole_file=True)

    # format detection per record
    anthropic = line({"id": "msg_1", "type": "message", "timestamp": "2024-12-24T10:00:00Z",
                      "model": "claude-3-5-sonnet-20241022",
                      "usage": {"input_tokens": 10, "cache_read_input_tokens": 50_000, "output_tokens": 5}})
    add("Anthropic line in an OpenAI file", "detection", "m.jsonl", jsonl(GOOD, anthropic), accepted=2,
        quarantined=0)
    add("OTel line in an OpenAI file", "detection", "m.jsonl", jsonl(GOOD, otel_line("s", {"intValue": "1"})))
    add("OpenAI line in an OTel file", "detection", "m.jsonl", jsonl(otel_line("s", {"intValue": "1"}), GOOD))
    add("OpenAI line in a usage-API file", "detection", "m.jsonl", jsonl(json.dumps(usage_page), GOOD),
        accepted=1, quarantined=2)
    add("Anthropic line read as --format openai-chat", "detection", "m.jsonl", jsonl(GOOD, anthropic),
        fmt="openai-chat")
    add("OpenAI line read as --format anthropic", "detection", "m.jsonl",
        jsonl(anthropic, GOOD), fmt="anthropic")

    # not a usage file at all: one clear error, nothing written
    for name, filename, data in [("empty", "w.jsonl", b""), ("binary garbage", "w.jsonl", bytes(range(256)) * 16),
                                 ("a number", "w.json", b"42"), ("not a usage record", "w.jsonl", b'{"hello": 1}\n'),
                                 ("unknown CSV columns", "w.csv", b"a,b\n1,2\n"),
                                 ("truncated JSON document", "w.json", b'{"resourceSpans": [{"reso'),
                                 ("invalid UTF-8 JSON document", "w.json", b'{\n "resourceSpans": "\xff"\n}')]:
        add(name, "whole file", filename, data, whole_file=True)
    return cases


def _write(tmp: Path, i: int, case: Case) -> Path:
    path = tmp / f"{i:02d}-{case.filename}"
    path.write_bytes(case.data)
    return path


def _mapping(case: Case) -> dict[str, str] | None:
    return dict(m.split("=", 1) for m in case.mapping) or None


def _rows(store: UsageStore) -> int:
    return int(store.status()["rows"])


def test_corpus_has_every_class(tmp_path: Path) -> None:
    classes = {c.klass for c in corpus(tmp_path)}
    assert classes == {"numbers", "costs", "timestamps", "strings", "nesting", "bytes", "parquet", "detection",
                       "whole file"}
    assert len(corpus(tmp_path)) >= 70


def test_every_hostile_row_is_quarantined_and_the_rest_lands(ledger: Any, tmp_path: Path) -> None:
    """Row-level cases go in together (one ingest per --format/--map setting, reports per file); the good rows
    repeat across files, so a file's good rows are accepted or, when an earlier file had them, duplicates."""
    cases = list(enumerate(corpus(tmp_path)))
    store = UsageStore(tmp_path / "usage.duckdb")
    groups: dict[tuple[str, tuple[str, ...]], list[tuple[int, Case]]] = {}
    for i, case in cases:
        if not case.whole_file:
            groups.setdefault((case.fmt, case.mapping), []).append((i, case))
    quarantined = 0
    for (fmt, _), group in groups.items():
        paths = [_write(tmp_path, i, c) for i, c in group]
        before = _rows(store)
        files = store.ingest(paths, ledger, fmt=fmt, mapping=_mapping(group[0][1])).files
        for (_, case), f in zip(group, files, strict=True):
            got = (f.accepted + f.duplicates, f.quarantined, f.skipped)
            assert got == (case.accepted, case.quarantined, case.skipped), (case.name, got, dict(f.reasons))
            assert f.reconciles and f.conflicts == 0, case.name
        assert _rows(store) == before + sum(f.accepted for f in files)
        quarantined += sum(c.quarantined for _, c in group)
    # every quarantine entry names its field and reason and can be listed (stored text is valid UTF-8)
    entries = store.quarantine()
    assert len(entries) == quarantined and all(e.reason and e.field for e in entries)
    for i, case in cases:  # not a usage file at all: one line, nothing written
        if not case.whole_file:
            continue
        path = _write(tmp_path, i, case)
        before = _rows(store)
        with pytest.raises(InputError) as err:
            store.ingest([path], ledger, fmt=case.fmt, mapping=_mapping(case))
        assert path.name in str(err.value) and "\n" not in str(err.value), case.name
        assert _rows(store) == before, case.name


def test_money_and_tokens_of_accepted_rows_are_exact(ledger: Any, tmp_path: Path) -> None:
    by_name = {c.name: c for c in corpus(tmp_path)}
    store = UsageStore(tmp_path / "usage.duckdb")
    mixed = _write(tmp_path, 0, by_name["Anthropic line in an OpenAI file"])
    store.ingest([mixed], ledger)
    cost = _write(tmp_path, 1, by_name["cost with 25 decimals (kept to 12)"])
    store.ingest([cost], ledger)
    con = store.connect()
    try:
        anthropic = con.execute("SELECT source_format, input_uncached, cache_read, output_text FROM usage "
                                "WHERE request_id = 'msg_1'").fetchall()
        reported = con.execute("SELECT reported_cost FROM usage WHERE request_id = 'h'").fetchall()
    finally:
        con.close()
    assert anthropic == [("anthropic", 10, 50_000, 5)]  # the cache reads were not lost to the OpenAI reader
    assert reported == [(Decimal("0.000012345679"),)]  # half-even at 12 places, never 0


def test_requests_zero_is_never_billed_at_the_long_context_rate(ledger: Any, tmp_path: Path) -> None:
    """Canonical Parquet can still carry requests=0 (it is not read through the readers): it prices as one
    request, not as 'every token past the threshold'."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from llmflation.usage.analytics import spend

    p = next(p for p in ledger.all_prices() if p.long_context_threshold and p.first_party and p.tier == "standard")
    src = tmp_path / "one.csv"
    src.write_text(f"ts,model,provider,requests,input,output\n{p.valid_from}T12:00:00,{p.model},{p.provider},1,"
                   f"{p.long_context_threshold // 2},10\n")
    store = UsageStore(tmp_path / "usage.duckdb")
    assert store.ingest([src], ledger, fmt="generic", mapping={}).files[0].accepted == 1
    one = tmp_path / "one.parquet"
    store.export_parquet(one)
    table = pq.read_table(one)
    zero = tmp_path / "zero.parquet"
    i = table.schema.get_field_index("requests")
    pq.write_table(table.set_column(i, "requests", pa.array([0], pa.int64())), zero)
    cost_one = spend(one, ledger, by="model").total.cost_usd
    cost_zero = spend(zero, ledger, by="model").total.cost_usd
    assert cost_one > 0 and cost_zero == cost_one


def test_corpus_through_the_real_cli_exit_codes_and_no_traceback(shared_home: Path, tmp_path: Path) -> None:
    from conftest import run_cli

    home = tmp_path / "home"
    home.mkdir()
    (home / "ledger.duckdb").write_bytes((shared_home / "ledger.duckdb").read_bytes())
    cases = corpus(tmp_path)
    rowwise = [(i, c) for i, c in enumerate(cases) if not c.whole_file and c.fmt == "auto" and not c.mapping]
    paths = [str(_write(tmp_path, i, c)) for i, c in rowwise]
    res = run_cli("usage", "ingest", "--json", *paths, home=home)
    assert res.returncode == 0, res.stderr[-2000:]
    assert "Traceback" not in res.stderr
    totals = json.loads(res.stdout)["totals"]
    # the good rows repeat across the files (same id, same content): the repeats are idempotent duplicates
    assert (totals["accepted"] + totals["duplicates"], totals["quarantined"], totals["conflicts"]) == (
        sum(c.accepted for _, c in rowwise), sum(c.quarantined for _, c in rowwise), 0)
    for cmd in (("usage", "status"), ("usage", "quarantine", "--limit", "0"), ("usage", "spend"),
                ("usage", "conflicts")):
        out = run_cli(*cmd, home=home)
        assert out.returncode == 0 and "Traceback" not in out.stderr, (cmd, out.stderr[-2000:])
    status = json.loads(run_cli("usage", "status", "--json", home=home).stdout)
    for i, case in enumerate(cases):
        if not case.whole_file:
            continue
        res = run_cli("usage", "ingest", str(_write(tmp_path, i, case)), home=home)
        assert res.returncode == 1 and "Traceback" not in res.stderr, (case.name, res.stderr[-2000:])
        message = res.stderr.strip()  # (a transient progress bar may leave a blank line)
        assert message.startswith("Error: ") and "\n" not in message, (case.name, res.stderr)
    after = json.loads(run_cli("usage", "status", "--json", home=home).stdout)
    assert (after["rows"], after["ingests"]) == (status["rows"], status["ingests"])  # store unchanged


def test_one_hostile_row_over_the_web_is_quarantined_not_a_500(fresh_home: Path) -> None:
    from fastapi.testclient import TestClient

    from llmflation.web import WebSettings, create_app

    token = "t" * 32
    app = create_app(WebSettings(ledger_path=fresh_home / "ledger.duckdb", api_token=token))
    client = TestClient(app, raise_server_exceptions=False)
    body = jsonl(GOOD, with_raw("h", "created", '"9999-12-31T23:59:59-12:00"'), with_raw("h2", "model", '"a\\ud800"'),
                 with_raw("h3", "prompt", "1" + "0" * 400))
    resp = client.post("/api/usage/upload", files={"file": ("log.jsonl", body, "application/jsonl")},
                       headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 201, resp.text
    totals = resp.json()["totals"]
    assert (totals["accepted"], totals["quarantined"]) == (1, 3)
    assert client.get("/api/usage/spend").status_code == 200
    garbage = client.post("/api/usage/upload", files={"file": ("log.jsonl", bytes(range(256)), "application/jsonl")},
                          headers={"Authorization": f"Bearer {token}"})
    assert garbage.status_code == 422 and str(fresh_home) not in garbage.text


if __name__ == "__main__":  # print the corpus table (class, case, expected outcome) for the notes
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        for c in corpus(Path(d)):
            outcome = "whole-file error" if c.whole_file else f"{c.accepted} accepted / {c.quarantined} quarantined" \
                + (f" / {c.skipped} skipped" if c.skipped else "")
            sys.stdout.write(f"{c.klass}\t{c.name}\t{outcome}\n")


def test_an_empty_store_file_works_and_a_foreign_one_is_one_clear_error(ledger: Any, tmp_path: Path) -> None:
    from llmflation.errors import LlmflationError

    empty = UsageStore(tmp_path / "empty.duckdb")
    empty.path.write_bytes(b"")  # what a failed first ingest used to leave
    assert empty.status()["rows"] == 0
    foreign = UsageStore(tmp_path / "foreign.duckdb")
    foreign.path.write_bytes(b"not a database")
    with pytest.raises(LlmflationError, match="not a DuckDB database"):
        foreign.status()
    assert foreign.path.read_bytes() == b"not a database"  # left for the user to look at
