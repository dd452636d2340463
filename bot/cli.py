"""The `policybot` command line."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from .config import Settings

app = typer.Typer(help="PolicyBot: cited answers and gap warnings from your cyber-insurance policy.", no_args_is_help=True, add_completion=False)
posture_app = typer.Typer(help="The company's control posture file.", no_args_is_help=True)
app.add_typer(posture_app, name="posture")
out = Console()
err = Console(stderr=True)

DataDir = typer.Option(None, "--data-dir", envvar="POLICYBOT_DATA_DIR", help="Index folder (default .policybot).")


def _settings(data_dir: Optional[Path]) -> Settings:
    s = Settings()
    if data_dir:
        s = s.model_copy(update={"data_dir": data_dir})
    return s


def _index(s: Settings, *, queries_only: bool = False):
    """The index, with the embedder `embedding_backend` picks: a command that only embeds
    questions (`queries_only`) gets the ONNX model under `auto`, which starts in a fraction of
    torch's time, and favours a fast start over batch speed (it embeds one question and exits)."""
    from vectorstore.embedder import make_embedder
    from vectorstore.index import PolicyIndex

    emb = make_embedder(s.embedding_model, s.embedding_backend, queries_only=queries_only, one_shot=queries_only)
    return PolicyIndex(s.data_dir, emb, chroma_url=s.chroma_url, max_bytes=s.max_bytes)


def _fail(msg: str, code: int = 1):
    err.print(f"[bold red]error:[/] {msg}", highlight=False)
    raise typer.Exit(code)


def _progress():
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err, transient=True)


def _tracker(prog, description: str):
    """A new bar in `prog` and the `(done, total, name)` callback that moves it."""
    task = prog.add_task(description, total=None)

    def cb(done: int, total: int, name: str) -> None:
        prog.update(task, description=name, completed=done, total=total)

    return task, cb


def _guard(fn):
    """Turn the errors users cause into one clear line and a non-zero exit."""
    import functools

    @functools.wraps(fn)
    def wrapper(*a, **kw):
        from ingestion.errors import IngestError
        from vectorstore.index import IndexError_

        from .pipeline import EmptyIndexError
        from .posture import PostureError

        try:
            return fn(*a, **kw)
        except (IngestError, IndexError_, EmptyIndexError, PostureError, ValueError) as exc:
            _fail(str(exc))

    return wrapper


@app.command()
@_guard
def ingest(
    paths: list[Path] = typer.Argument(..., help="PDF, .txt or .md files."),
    policy: Optional[str] = typer.Option(None, "--policy", help="Policy name; a new file for an existing name becomes its new version."),
    version: Optional[str] = typer.Option(None, "--version", help="Version label (default v1, v2, …)."),
    effective_date: str = typer.Option("", "--effective-date", help="Effective date, YYYY-MM-DD."),
    guidance: bool = typer.Option(True, "--guidance/--no-guidance", help="Also index the shipped control guidance."),
    data_dir: Optional[Path] = DataDir,
):
    """Index policy documents."""
    from ingestion.errors import IngestError

    s = _settings(data_dir)
    ix = _index(s)
    failed = 0
    with _progress() as prog:
        for p in paths:
            task, cb = _tracker(prog, p.name)
            try:
                r = ix.ingest_file(p, policy=policy, version=version, effective_date=effective_date, progress=cb)
            except IngestError as exc:
                failed += 1
                err.print(f"[bold red]error:[/] {exc}", highlight=False)
                continue
            finally:
                prog.remove_task(task)
            if r.status == "unchanged":
                out.print(f"{r.file_name}: unchanged (already {r.policy} {r.version}); nothing embedded")
            else:
                kinds = ", ".join(f"{v} {k}" for k, v in sorted(r.clause_counts.items()))
                sup = f"; supersedes {', '.join(r.superseded)}" if r.superseded else ""
                out.print(f"{r.file_name}: indexed as {r.policy} {r.version} — {r.pages} pages, {r.chunks} clauses ({kinds}){sup}")
            for w in r.warnings:
                err.print(f"[yellow]warning:[/] {r.file_name}: {w}")
        if guidance:
            ix.ingest_guidance(progress=_tracker(prog, "control guidance")[1])
    if failed:
        raise typer.Exit(1)


@app.command()
@_guard
def docs(data_dir: Optional[Path] = DataDir, json_out: bool = typer.Option(False, "--json")):
    """List indexed documents and versions."""
    ix = _index(_settings(data_dir), queries_only=True)
    rows = [d for d in ix.documents() if d.kind == "policy"]
    if json_out:
        out.print_json(json.dumps([d.__dict__ for d in rows]))
        return
    if not rows:
        out.print("No policies indexed yet. Add one with `policybot ingest FILE.pdf --policy NAME`.")
        return
    from rich.table import Table

    t = Table("policy", "version", "status", "file", "pages", "clauses", "effective", "ingested")
    for d in rows:
        t.add_row(d.policy, d.version, d.status, d.file_name, str(d.pages), str(d.chunks), d.effective_date or "—", f"{d.ingested_at} {d.ingested_by}")
    out.print(t)
    g = len(ix.documents(kind="guidance", include_superseded=False))
    out.print(f"{g} control-guidance documents indexed.")


def hit_json(h) -> dict:
    c = h.chunk
    return {"text": c.text, "file": c.file_name, "policy": c.policy, "version": c.version, "page_start": c.page_start,
            "page_end": c.page_end, "section": c.section, "clause_type": c.clause_type, "score": round(h.score, 6),
            "dense_rank": h.dense_rank, "lexical_rank": h.lexical_rank}


@app.command()
@_guard
def search(
    question: str,
    policy: Optional[str] = typer.Option(None, "--policy"),
    version: Optional[str] = typer.Option(None, "--version"),
    kind: Optional[str] = typer.Option(None, "--kind", help="policy or guidance"),
    clause_type: Optional[list[str]] = typer.Option(None, "--clause-type"),
    all_versions: bool = typer.Option(False, "--all-versions", help="Include superseded versions."),
    k: int = typer.Option(5, "-k"),
    json_out: bool = typer.Option(False, "--json"),
    data_dir: Optional[Path] = DataDir,
):
    """Search clauses with the answers' own hybrid search (MiniLM + BM25 with the lay-vocabulary words); a question
    that names one policy searches that policy."""
    from .pipeline import resolve_policy, retrieve

    ix = _index(_settings(data_dir), queries_only=True)
    if policy is None and kind != "guidance":
        policy, _ = resolve_policy(question, ix)
    hits = retrieve(question, index=ix, policy=policy, version=version, k=k, kind=kind, clause_types=clause_type,
                    include_superseded=all_versions)
    if json_out:
        sys.stdout.write(json.dumps([hit_json(h) for h in hits], indent=2, ensure_ascii=False) + "\n")
        return
    if not hits:
        out.print("No matching clauses.")
    for i, h in enumerate(hits, 1):
        c = h.chunk
        out.print(f"[bold]{i}. {c.policy} {c.version} · {c.file_name} p. {c.page_start}-{c.page_end} · {c.section or '—'} · {c.clause_type}[/] ({h.score:.4f})", highlight=False)
        out.print("   " + " ".join(c.text.split())[:400], highlight=False)


@app.command()
@_guard
def reindex(all_files: bool = typer.Option(False, "--all", help="Re-read and re-chunk the stored originals too."), data_dir: Optional[Path] = DataDir):
    """Rebuild the vectors (e.g. after changing the embedding model)."""
    s = _settings(data_dir)
    ix = _index(s)  # opening does not check the model; reindex drops the old collection first
    with _progress() as prog:
        n = ix.reindex(all_files=all_files, progress=_tracker(prog, "re-embedding")[1])
    out.print(f"Rebuilt {n} documents with {s.embedding_model}.")


def _posture(s: Settings, path: Optional[Path]):
    from .posture import load_posture

    p = path or s.posture_file
    return load_posture(p) if p else None


def _chat(s: Settings):
    if not s.llm_model:
        return None
    from .llm import make_chat_model

    try:
        return make_chat_model(s.llm_model)
    except RuntimeError as exc:
        _fail(str(exc))


def print_answer(a) -> None:
    out.print(f"[bold]{a.summary}[/]", highlight=False)
    for c in a.citations:
        out.print(f"  > “{c.quote}”\n    — {c.label()} [{c.clause_type}]", highlight=False)
    if a.gaps:
        out.print("[bold yellow]Gap warnings[/]")
        for g in a.gaps:
            out.print(f"  ⚠ {g.message}", highlight=False)
    if a.related:
        out.print("[bold]Related clauses[/]")
        for r in a.related:
            if r.flagged:
                from ingestion.injection import FLAGGED_MARKER

                out.print(f"  [bold red]{FLAGGED_MARKER}[/]", highlight=False)
            out.print(f"  · {r.clause_type}: “{r.quote[:200]}” — {r.label()}", highlight=False)
    for n in a.notes:
        out.print(f"[dim]{n}[/]")


@app.command()
@_guard
def ask(
    question: Optional[str] = typer.Argument(None, help="The question (or use --file)."),
    policy: Optional[str] = typer.Option(None, "--policy"),
    posture: Optional[Path] = typer.Option(None, "--posture", help="Posture YAML (default POLICYBOT_POSTURE_FILE)."),
    file: Optional[Path] = typer.Option(None, "--file", help='Many questions: .jsonl lines {"id", "question", "policy"} or .txt, one a line.'),
    json_out: bool = typer.Option(False, "--json"),
    data_dir: Optional[Path] = DataDir,
):
    """Answer a question with quoted, cited clauses and gap warnings."""
    from .pipeline import answer

    if (question is None) == (file is None):
        _fail("give a question or --file FILE (not both)")
    s = _settings(data_dir)
    pst = _posture(s, posture)
    ix, chat = _index(s, queries_only=True), _chat(s)
    if file is not None:
        _ask_batch(file, policy, ix, pst, chat, s.top_k, json_out)
        return
    a = answer(question, index=ix, policy=policy, posture=pst, chat_model=chat, k=s.top_k)
    if json_out:
        sys.stdout.write(json.dumps(a.to_json(), indent=2, ensure_ascii=False) + "\n")
    else:
        print_answer(a)


def _ask_batch(file: Path, policy, ix, pst, chat, k: int, json_out: bool) -> None:
    """One answer per input line, in order; a line that fails gets an `error` and the rest still run."""
    from ingestion.errors import IngestError
    from vectorstore.index import IndexError_

    from .batch import read_batch
    from .pipeline import EmptyIndexError, answer

    if not file.is_file():
        _fail(f"{file}: no such file")
    items = list(read_batch(file, policy))
    failed = 0
    with _progress() as prog:
        task = prog.add_task(f"answering {file.name}", total=len(items))
        for it in items:
            row: dict = {"id": it.id}
            if it.error:
                row["error"] = it.error
            else:
                try:
                    a = answer(it.question, index=ix, policy=it.policy, posture=pst, chat_model=chat, k=k)
                    row.update(a.to_json())
                except (IngestError, IndexError_, EmptyIndexError, ValueError) as exc:
                    row.update(question=it.question, error=str(exc))
            failed += "error" in row
            if json_out:
                sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
            elif "error" in row:
                err.print(f"[bold red]{it.id}:[/] {row['error']}", highlight=False)
            else:
                out.rule(f"{it.id}. {it.question}")
                print_answer(a)
            prog.advance(task)
    if failed:
        err.print(f"{failed} of {len(items)} lines could not be answered (see their 'error').")
        raise typer.Exit(1)


@app.command()
@_guard
def gaps(
    policy: Optional[str] = typer.Option(None, "--policy"),
    fmt: str = typer.Option("md", "--format", help="md, csv or json"),
    out_file: Optional[Path] = typer.Option(None, "--out"),
    posture: Optional[Path] = typer.Option(None, "--posture"),
    data_dir: Optional[Path] = DataDir,
):
    """Gap report: summary, checklist by action and owner, then the clauses (terms × your posture)."""
    from .report import gap_report, render_gaps

    if fmt not in ("md", "csv", "json"):
        _fail("--format must be md, csv or json")
    s = _settings(data_dir)
    ix = _index(s, queries_only=True)
    policy = policy or _only_policy(ix)
    text = render_gaps(gap_report(ix, policy, _posture(s, posture)), fmt)
    if out_file:
        out_file.write_text(text, encoding="utf-8")
        out.print(f"Wrote {out_file}")
    else:
        sys.stdout.write(text)


def _only_policy(ix) -> str:
    pols = ix.policies()
    if not pols:
        from .pipeline import EmptyIndexError, empty_index_message

        raise EmptyIndexError(empty_index_message(ix))
    if len(pols) > 1:
        raise ValueError(f"several policies are indexed ({', '.join(pols)}); choose one with --policy")
    return pols[0]


def _report_target(fmt: str, data_dir: Optional[Path], policy: Optional[str]):
    """Check --format (md or json), open the index and pick the policy (the only one when not given)."""
    if fmt not in ("md", "json"):
        _fail("--format must be md or json")
    ix = _index(_settings(data_dir), queries_only=True)  # reports embed nothing but a question at most
    return ix, policy or _only_policy(ix)


@app.command()
@_guard
def diff(
    policy: Optional[str] = typer.Option(None, "--policy"),
    from_v: Optional[str] = typer.Option(None, "--from"),
    to_v: Optional[str] = typer.Option(None, "--to"),
    fmt: str = typer.Option("md", "--format", help="md or json"),
    data_dir: Optional[Path] = DataDir,
):
    """What changed between two versions of a policy: term changes first, then changed sentences."""
    from .report import diff_terms, diff_versions, render_diff

    ix, policy = _report_target(fmt, data_dir, policy)
    v1, v2, changes = diff_versions(ix, policy, from_v, to_v)
    sys.stdout.write(render_diff(policy, v1, v2, changes, fmt, terms=diff_terms(ix, policy, from_v, to_v)))


@app.command()
@_guard
def incident(
    policy: Optional[str] = typer.Option(None, "--policy"),
    fmt: str = typer.Option("md", "--format", help="md or json"),
    data_dir: Optional[Path] = DataDir,
):
    """We've been hit: who to notify and how, deadlines, consent, vendors, evidence, what not to do — cited."""
    from .incident import incident_playbook, render_playbook

    ix, policy = _report_target(fmt, data_dir, policy)
    sys.stdout.write(render_playbook(incident_playbook(ix, policy), fmt) + ("\n" if fmt == "json" else ""))


@app.command("eval-terms")
@_guard
def eval_terms(
    labels: Path = typer.Option(Path(__file__).resolve().parents[1] / "examples" / "terms", "--labels", help="Folder of labelled terms."),
    corpus: Path = typer.Option(Path(__file__).resolve().parents[2] / "shared" / "corpus", "--corpus", help="The shared corpus folder."),
    json_out: bool = typer.Option(False, "--json"),
    verbose: bool = typer.Option(False, "--verbose", help="List every term not in the labels and every missed label."),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", envvar="POLICYBOT_DATA_DIR"),
):
    """Precision and recall of term extraction per term kind, against the labelled wordings."""
    from .terms_eval import render_terms_eval, run_terms_eval

    s = _settings(data_dir or Path(".policybot-eval"))
    report = run_terms_eval(_index(s), labels, corpus)
    sys.stdout.write(json.dumps(report, indent=2, ensure_ascii=False) + "\n" if json_out else render_terms_eval(report, verbose))


@posture_app.command("init")
def posture_init(path: Path = typer.Argument(Path("posture.yaml")), force: bool = typer.Option(False, "--force")):
    """Write a commented posture template listing every control."""
    from .posture import posture_template

    if path.exists() and not force:
        _fail(f"{path} exists; use --force to overwrite it")
    path.write_text(posture_template(), encoding="utf-8")
    out.print(f"Wrote {path}; set each control's status, then pass --posture {path}.")


@posture_app.command("check")
@_guard
def posture_check(path: Path):
    """Validate a posture file."""
    from .posture import load_posture

    p = load_posture(path)
    out.print(f"{path}: {len(p.controls)} controls, valid.")


@app.command("eval")
@_guard
def eval_cmd(
    splits: str = typer.Option("dev,test,holdout,golden", "--splits", help="Comma-separated: dev, test and holdout (report only), golden."),
    golden: Path = typer.Option(Path(__file__).resolve().parents[1] / "examples" / "golden.yaml", "--golden", help="The first golden question file."),
    eval_dir: Path = typer.Option(Path(__file__).resolve().parents[1] / "examples" / "eval", "--eval-dir", help="Folder with dev/ and test/ question files."),
    corpus: Path = typer.Option(Path(__file__).resolve().parents[2] / "shared" / "corpus", "--corpus", help="The shared corpus folder."),
    fit: bool = typer.Option(False, "--fit", help="Fit the answer decision on the dev split and write bot/data/tuning.yaml."),
    fit_ranker: bool = typer.Option(False, "--fit-ranker", help="Fit the candidate ranker on the dev split (printing its "
                                    "leave-one-file-out figures) and write bot/data/ranker.json."),
    json_out: bool = typer.Option(False, "--json"),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", envvar="POLICYBOT_DATA_DIR"),
):
    """Score the evaluation questions: right clause cited, verdicts, abstention, retrieval, fabricated quotes, latency."""
    from . import pipeline
    from .evaluation import eval_sets, render_report, run_eval

    s = _settings(data_dir or Path(".policybot-eval"))
    ix = _index(s)
    sets = eval_sets(golden, eval_dir, [x.strip() for x in splits.split(",") if x.strip()])
    if not sets:
        _fail(f"no question files found for --splits {splits} (looked in {eval_dir} and {golden})")
    tuning = pipeline.DEFAULT_TUNING
    if fit_ranker:
        _fit_ranker(sets, corpus, ix)
        tuning = pipeline.load_tuning()
    if fit:
        _fit(sets, corpus, ix)
        tuning = pipeline.load_tuning()
    with _progress() as prog:
        report = run_eval(sets, corpus, ix, tuning=tuning, progress=_tracker(prog, "evaluation")[1])
    sys.stdout.write(json.dumps(report, indent=2, ensure_ascii=False) + "\n" if json_out else render_report(report))


def _fit_ranker(sets, corpus: Path, ix, depth: int = 30) -> None:
    """Fit the trees that reorder the fused candidates on dev; print how they did on each question file left out."""
    import datetime

    from .evaluation import index_documents, load_eval, ranker_cv, ranker_table
    from .pipeline import DEFAULT_TUNING, TUNING_PATH
    from .ranker import RANKER_PATH, fit_ranker

    if "dev" not in sets:
        _fail("--fit-ranker needs the dev split")
    index_documents(load_eval(sets["dev"]).documents, corpus, ix)
    table = ranker_table(sets, ix, DEFAULT_TUNING, depth)
    cv = ranker_cv(table, depth, DEFAULT_TUNING.ranker_weight)
    fitted = (f"dev split, {datetime.date.today()}: {len(table)} answerable questions in {len({f for f, _, _ in table})} files; "
              f"each file left out in turn: fused {cv['fused']}, trees alone {cv['trees']}, "
              f"fused + {DEFAULT_TUNING.ranker_weight} x trees {cv['blended']}")
    RANKER_PATH.write_text(json.dumps(fit_ranker([(x, y) for _, x, y in table], depth, fitted)) + "\n", encoding="utf-8")
    err.print(f"wrote {RANKER_PATH} ({fitted}); {TUNING_PATH.name} names it as 'ranker'")


def _fit(sets, corpus: Path, ix) -> None:
    """Fit the relevance model and the answer threshold on dev; write them with the dev figures."""
    import datetime

    import dataclasses

    import yaml

    from .evaluation import candidate_table, choose_threshold, fit_logistic, index_documents, load_eval
    from .pipeline import DEFAULT_TUNING, TUNING_PATH
    from .ranker import RANKER_PATH

    if "dev" not in sets:
        _fail("--fit needs the dev split")
    index_documents(load_eval(sets["dev"]).documents, corpus, ix)
    table = candidate_table(sets, ix, DEFAULT_TUNING, "dev")
    names = [n for n, _ in DEFAULT_TUNING.weights]
    bias, weights = fit_logistic(table, names)
    threshold, curve = choose_threshold(table, bias, weights)
    doc = {
        "fusion": DEFAULT_TUNING.fusion, "dense_weight": DEFAULT_TUNING.dense_weight, "lexical_weight": DEFAULT_TUNING.lexical_weight,
        "pool": DEFAULT_TUNING.pool, "candidates": DEFAULT_TUNING.candidates, "cite_margin": DEFAULT_TUNING.cite_margin,
        "cite_floor": DEFAULT_TUNING.cite_floor, "cite_top": DEFAULT_TUNING.cite_top,
        "answer_threshold": threshold, "bias": round(bias, 4), "weights": {k: round(v, 4) for k, v in weights.items()},
        "reading": dataclasses.asdict(DEFAULT_TUNING.reading),  # not fitted: kept as chosen
        **({"ranker": RANKER_PATH.name, "ranker_weight": DEFAULT_TUNING.ranker_weight} if DEFAULT_TUNING.ranker else {}),
    }
    head = (f"# Answer decision fitted on the dev split by `policybot eval --fit` ({datetime.date.today()}, "
            f"{len({q for q, *_ in table})} questions, {len(table)} candidate clauses).\n"
            "# relevance = logistic(bias + sum(weight * feature)); a question is answered when its best clause reaches\n"
            "# answer_threshold (chosen to maximise right decisions on dev). Features: see bot/pipeline.py `features()`.\n")
    TUNING_PATH.write_text(head + yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    err.print(f"wrote {TUNING_PATH}: threshold {threshold:.2f}; dev right-decision curve: "
              + ", ".join(f"{c['threshold']:.2f}→{c['right']:.2f}" for c in curve[::2]))


@app.command()
@_guard
def demo(data_dir: Optional[Path] = typer.Option(None, "--data-dir", envvar="POLICYBOT_DATA_DIR")):
    """Index the bundled sample policy (two editions) and the control guidance, then answer sample questions."""
    from .pipeline import answer
    from .report import diff_terms, diff_versions, render_diff
    from .samples import sample_pdfs

    s = _settings(data_dir or Path(".policybot-demo"))
    ix = _index(s)
    pdfs = sample_pdfs(s.data_dir / "samples")
    with _progress() as prog:
        for ed in ("2025", "2026"):
            task, cb = _tracker(prog, pdfs[ed].name)
            r = ix.ingest_file(pdfs[ed], policy="northwind", version=ed, effective_date=f"{ed}-03-01", progress=cb)
            prog.remove_task(task)
            out.print(f"[green]✓[/] {r.file_name}: {r.status} as northwind {r.version} ({r.pages} pages, {r.chunks} clauses)")
        n = len(ix.ingest_guidance(progress=_tracker(prog, "control guidance")[1]))
    out.print(f"[green]✓[/] {n} control-guidance documents indexed in {s.data_dir}\n")
    for q in ("Does our policy require MFA on email?", "What is the ransomware sublimit?",
              "How soon must we notify the insurer of a breach?", "Does the policy cover earthquake damage to our office?"):
        out.rule(q)
        print_answer(answer(q, index=ix, policy="northwind"))
    out.rule("Renewal diff 2025 → 2026")
    v1, v2, changes = diff_versions(ix, "northwind")
    sys.stdout.write(render_diff("northwind", v1, v2, changes, terms=diff_terms(ix, "northwind")))


@app.command()
def serve(
    http: bool = typer.Option(False, "--http", help="HTTP mode (Events API) instead of Socket Mode."),
    port: int = typer.Option(3000, "--port"),
    host: str = typer.Option("0.0.0.0", "--host"),
    data_dir: Optional[Path] = DataDir,
):
    """Run the Slack bot."""
    from .slack.server import run

    run(_settings(data_dir), http=http, host=host, port=port)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
