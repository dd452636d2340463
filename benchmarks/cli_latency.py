"""Whole-process latency of `policybot ask` against the plain LangChain recipe. Prints figures, asserts nothing.

    nice -n 10 python benchmarks/cli_latency.py [-n 7] [--data-dir /tmp/pb-cli-latency]

On the demo index (the sample policy's two editions and the guidance, built once with
`policybot demo` if missing) it runs, interleaved round by round after one untimed warm-up round
(warm disk cache), each as a fresh process:
  - `python -m bot.cli ask Q --json` with embedding_backend=auto (the ONNX question embedder);
  - the same with embedding_backend=torch (sentence-transformers: the start-up before issue 10);
  - the plain LangChain recipe as a script: a `langchain_core` Embeddings around sentence-transformers
    and a Chroma collection built once from the same PDFs (1000/200 character splits), queried
    with similarity search.
Prints p50/p95 wall time, CPU time (user + system: robust to a shared machine's load) and peak RSS
of each. Target: ask (auto) wall p50 <= 1.5 s.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
QUESTIONS = ["What is the ransomware sublimit?", "Does our policy require MFA on email?",
             "How soon must we notify the insurer of a breach?", "Is war excluded?"]

# The recipe's query script: what a LangChain tutorial runs per question.
RECIPE = '''
import sys
import chromadb
from chromadb.config import Settings
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from sentence_transformers import SentenceTransformer

class MiniLM(Embeddings):
    def __init__(self, path):
        self.model = SentenceTransformer(path, device="cpu", local_files_only=True)
    def embed_documents(self, texts):
        return self.model.encode(texts, normalize_embeddings=True).tolist()
    def embed_query(self, text):
        return self.embed_documents([text])[0]

store = chromadb.PersistentClient(path=sys.argv[1], settings=Settings(anonymized_telemetry=False)).get_collection("recipe")
res = store.query(query_embeddings=[MiniLM(sys.argv[2]).embed_query(sys.argv[3])], n_results=4)
docs = [Document(page_content=t, metadata=m) for t, m in zip(res["documents"][0], res["metadatas"][0])]
for d in docs:
    print(f"p. {d.metadata['page']}: {d.page_content[:200]}")
'''


def build_recipe_index(pdfs: list[Path], path: Path, model_path: str) -> None:
    """The recipe's ingest: page text, RecursiveCharacterTextSplitter(1000, 200), MiniLM, Chroma."""
    import chromadb
    from chromadb.config import Settings
    from langchain_text_splitters import RecursiveCharacterTextSplitter
    from pypdf import PdfReader
    from sentence_transformers import SentenceTransformer

    col = chromadb.PersistentClient(path=str(path), settings=Settings(anonymized_telemetry=False)).get_or_create_collection(
        "recipe", embedding_function=None, metadata={"hnsw:space": "cosine"})
    if col.count():
        return
    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    texts, metas = [], []
    for pdf in pdfs:
        for page_no, page in enumerate(PdfReader(pdf).pages, 1):
            for part in splitter.split_text(page.extract_text() or ""):
                texts.append(part)
                metas.append({"source": pdf.name, "page": page_no})
    vecs = SentenceTransformer(model_path, device="cpu").encode(texts, normalize_embeddings=True)
    col.add(ids=[str(i) for i in range(len(texts))], embeddings=vecs, documents=texts, metadatas=metas)


def run(cmd: list[str], env: dict) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system) and peak RSS (MB) of one process; raises if it fails."""
    with tempfile.TemporaryFile() as errf:
        t = time.perf_counter()
        p = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=errf)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t
        p.returncode = os.waitstatus_to_exitcode(status)
        if p.returncode:
            errf.seek(0)
            raise RuntimeError(f"{' '.join(cmd[:5])}… exited {p.returncode}: {errf.read().decode()[-1500:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(q * (len(xs) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=7, help="timed rounds")
    ap.add_argument("--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "pb-cli-latency")
    ap.add_argument("--build-recipe", nargs="+", metavar=("DIR", "PDF"), help=argparse.SUPPRESS)
    args = ap.parse_args()

    from vectorstore.embedder import bundled_model_path

    if args.build_recipe:
        build_recipe_index([Path(p) for p in args.build_recipe[1:]], Path(args.build_recipe[0]), bundled_model_path())
        return

    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYBOT_")}
    # An installed package has its bytecode compiled; let the children cache ours too (gitignored __pycache__).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false", ANONYMIZED_TELEMETRY="False")
    demo = args.data_dir / "demo"
    if not (demo / "registry.sqlite3").exists():
        print(f"building the demo index in {demo} …", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "bot.cli", "demo", "--data-dir", str(demo)], cwd=ROOT, env=env,
                       check=True, stdout=subprocess.DEVNULL)
    recipe_dir = args.data_dir / "recipe"
    # In a child process: a child's peak RSS starts from its parent's, so this process stays small.
    subprocess.run([sys.executable, __file__, "--build-recipe", str(recipe_dir), *map(str, sorted((demo / "samples").glob("*.pdf")))],
                   cwd=ROOT, env=env, check=True, stderr=subprocess.DEVNULL)
    script = args.data_dir / "recipe_query.py"
    script.write_text(RECIPE)

    def ask(backend: str):
        return lambda q: run([sys.executable, "-m", "bot.cli", "ask", q, "--json", "--data-dir", str(demo)],
                             {**env, "POLICYBOT_EMBEDDING_BACKEND": backend})

    contenders = {
        "policybot ask (auto: ONNX questions)": ask("auto"),
        "policybot ask (torch: before)": ask("torch"),
        "LangChain recipe script": lambda q: run([sys.executable, str(script), str(recipe_dir), bundled_model_path(), q], env),
    }
    times: dict[str, list[float]] = {k: [] for k in contenders}
    cpu: dict[str, list[float]] = {k: [] for k in contenders}
    rss: dict[str, list[float]] = {k: [] for k in contenders}
    for rnd in range(args.n + 1):  # round 0 warms the disk cache
        q = QUESTIONS[rnd % len(QUESTIONS)]
        for name, fn in contenders.items():
            wall, secs, mb = fn(q)
            if rnd:
                times[name].append(wall)
                cpu[name].append(secs)
                rss[name].append(mb)
    print(f"{args.n} interleaved rounds, warm disk cache, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    print("wall = whole process; CPU = user + system seconds (what the wall time is on an idle machine, roughly)")
    print(f"{'':40} {'wall p50':>9} {'wall p95':>9} {'wall min':>9} {'CPU p50':>8} {'CPU p95':>8} {'peak RSS MB':>12}")
    for name in contenders:
        w, c = times[name], cpu[name]
        print(f"{name:40} {statistics.median(w):9.2f} {pct(w, 0.95):9.2f} {min(w):9.2f} {statistics.median(c):8.2f} {pct(c, 0.95):8.2f} {max(rss[name]):12.0f}")


if __name__ == "__main__":
    main()
