"""The shipped catalogue of security controls insurers commonly require."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

CATALOGUE_PATH = Path(__file__).parent / "data" / "controls.yaml"


@dataclass(frozen=True)
class Control:
    id: str
    name: str
    synonyms: tuple[str, ...]
    requirement: str
    scope: tuple[str, ...]
    frequency: str
    evidence: tuple[str, ...]
    csf: tuple[str, ...]
    sp800_53: tuple[str, ...]
    cis: tuple[str, ...]
    users_say: tuple[str, ...] = ()  # how people name the control in questions; clauses are matched on synonyms only
    not_when: tuple[str, ...] = ()  # question phrases where a synonym means something else ("encrypted our files")
    # names a clause about the control's subject uses that, in a question, name the peril or the party rather than
    # the control ("bank details", "our MSP"): matched in clauses only
    subject_words: tuple[str, ...] = ()

    def matches(self, text: str) -> bool:
        """True when any of the control's synonyms or subject words occurs in `text` as whole words."""
        return _synonym_re(self.synonyms + self.subject_words).search(text) is not None

    def asked_in(self, question: str) -> bool:
        """True when a question names the control, in the wording's words or in everyday ones ("two-step login"),
        outside the phrases where those words mean something else."""
        if self.not_when:
            question = _synonym_re(self.not_when).sub(" ", question)
        return _synonym_re(self.synonyms + self.users_say).search(question) is not None

    def denied_in(self, question: str) -> bool:
        """True when the question says the control was not in place: a negation a few words before one of its names
        ("nobody rang the supplier", "we never turned on MFA", "without picking up the phone to check")."""
        if self.not_when:
            question = _synonym_re(self.not_when).sub(" ", question)
        names = _synonym_re(self.synonyms + self.users_say).pattern
        return re.search(rf"{_NEGATION}(?:\W+[\w'’]+){{0,4}}?\W+(?:{names})", question, re.I) is not None

    def said_in(self, question: str, text: str) -> bool:
        """True when `text` holds the very everyday name the question gives the control ("is CrowdStrike on the
        panel?" of a vendor list naming CrowdStrike), though it uses none of the wording's names for it."""
        said = tuple(dict.fromkeys(m.group(0).lower() for m in _synonym_re(self.users_say).finditer(question))) if self.users_say else ()
        return bool(said) and _synonym_re(said).search(text) is not None

    def to_markdown(self) -> str:
        return "\n".join(
            [
                f"# {self.name}",
                "",
                f"Control id: {self.id}. Also called: {', '.join(self.synonyms + self.subject_words)}.",
                "",
                f"What insurers typically require: {self.requirement}",
                "",
                f"Scope: {', '.join(self.scope)}. Frequency: {self.frequency}",
                "",
                "Evidence insurers ask for after an incident: " + "; ".join(self.evidence) + ".",
                "",
                f"References: NIST CSF 2.0 {', '.join(self.csf)}; NIST SP 800-53 r5 {', '.join(self.sp800_53)}; "
                f"CIS Controls v8 safeguards {', '.join(self.cis)}.",
                "",
            ]
        )


_CAPITALS_ONLY = frozenset({"PAM"})
_NEGATION = (r"\b(?:no|not|never|nobody|no[\s-]one|without|didn[’']?t|hadn[’']?t|haven[’']?t|wasn[’']?t|weren[’']?t|isn[’']?t|"
             r"aren[’']?t|lacked|skipped|forgot(?: to)?|failed to)\b")


@lru_cache(maxsize=64)
def _synonym_re(synonyms: tuple[str, ...]) -> re.Pattern:
    parts = []
    for s in sorted(synonyms, key=len, reverse=True):
        esc = re.escape(s).replace(r"\ ", r"[\s-]+").replace(r"\-", r"[\s-]?")
        # People type acronyms in lower case in Slack ("need mfa on email?", "is edr required"), so they match in any
        # case; only those that are also ordinary lower-case words or names ("pam") must be written in capitals.
        # a plural counts ("phishing simulations", "tabletop exercises", "EDRs")
        parts.append(f"(?-i:\\b{esc}(?:e?s)?\\b)" if s in _CAPITALS_ONLY else f"\\b{esc}(?:e?s)?\\b")
    return re.compile("|".join(parts), re.I)


@lru_cache(maxsize=4)
def load_catalogue(path: str | None = None) -> tuple[Control, ...]:
    """Load the control catalogue (the shipped one unless `path` is given)."""
    # libyaml's safe loader when present: 4 ms instead of 40 ms, paid by every answering process.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    raw = yaml.load(Path(path or CATALOGUE_PATH).read_text(encoding="utf-8"), Loader=loader)
    out = []
    for c in raw["controls"]:
        out.append(
            Control(
                id=c["id"],
                name=c["name"],
                synonyms=tuple(c["synonyms"]),
                requirement=" ".join(c["requirement"].split()),
                scope=tuple(c.get("scope", ())),
                frequency=c.get("frequency", ""),
                evidence=tuple(c.get("evidence", ())),
                csf=tuple(c.get("csf", ())),
                sp800_53=tuple(c.get("sp800_53", ())),
                cis=tuple(str(x) for x in c.get("cis", ())),
                users_say=tuple(c.get("users_say", ())),
                not_when=tuple(c.get("not_when", ())),
                subject_words=tuple(c.get("subject_words", ())),
            )
        )
    return tuple(out)


def controls_by_id() -> dict[str, Control]:
    return {c.id: c for c in load_catalogue()}


def controls_in(text: str) -> list[Control]:
    """Controls whose synonyms occur in `text` (a clause)."""
    return [c for c in load_catalogue() if c.matches(text)]


def controls_asked(question: str) -> list[Control]:
    """Controls a question names, by synonym or by the everyday words in the catalogue's `users_say`."""
    return [c for c in load_catalogue() if c.asked_in(question)]


def guidance_documents() -> list[tuple[str, str]]:
    """(file name, markdown text) for every control, ready to index as guidance."""
    return [(f"guidance-{c.id}.md", c.to_markdown()) for c in load_catalogue()]
