"""The one-line verdict: what the question asks (must we / can we / are we covered / how much) × what the clause says."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, NamedTuple, Sequence

from ingestion.figures import money_values, period_hours
from ingestion.guidance import Control, controls_asked
from ingestion.sentences import split_sentences
from ingestion.terms import EXCLUSION_LIFTED, without_carve_backs
from vectorstore.text import tokens

from .types import Citation
from .vocabulary import Concept, concepts_in, contains, places_in, regions_of

@dataclass(frozen=True)
class Reading:
    """How closely the verdict reads a clause's sentences; part of the tuning chosen on dev (bot/data/tuning.yaml)."""

    strict_near_chars: int = 80  # a figure further than this from its role's words is not taken for that role's figure
    list_min_options: int = 3  # figures of one unit in one sentence that make a list of options to choose from
    left_out_shared_words: int = 2  # words a definition's "… are not …" sentence shares with "does X count as Y?" to say no
    binding_shared_words: int = 3  # words a binding sentence of an insuring clause shares with "must we …?" to answer it


READING = Reading()

# "What number do we call / where do we send it / what's XL's emergency number?": a phone number or an address is the
# figure asked for.
_CONTACT_Q = (r"\bwhat(?:'s| is)? (?:the |their |our )?(?:[\w&.-]+'s )?(?:(?:phone|telephone|hotline|emergency|claims?) )?number\b(?! of)|"
              r"\b(?:phone|telephone|hotline) number\b|\bwho (?:do|should|can|must) (?:we|i) (?:even )?(?:call|ring|phone|contact|email)\b|"
              r"\bwhere (?:do|should|must) (?:we|i) (?:send|email|submit|report)\b|\bemail address\b")

# What kind of answer the question wants, checked in this order.
# "what does that cost / what's the price of the tail": the premium charged for an option (run-off, an extension)
_PRICE_Q = (r"\b(?:what|how much) (?:does|would|will|do) (?:it|that|this|they|the|our|an?|(?:one|two|three|four|five|six|\d+) (?:years?|months?))(?: [\w-]+){0,3} cost\b|"
            r"\bwhat'?s the (?:price|cost|premium) (?:of|for)\b|(?<!without )(?<!no )\b(?:extra|additional) premium\b|\bprice (?:ceiling|cap|tag|limit)\b|\b(?:max(?:imum)?|top|highest) (?:price|premium)\b|\b(?:ceiling|cap|limit) on what (?:it|that|this|they) (?:costs?|charges?)\b|"
            r"\bwhat'?s the most (?:[\w-]+ ){0,5}(?:can|could|might|would) cost\b|"
            r"\bthey (?:can |could |will |would |may )?charge\b|\bcharge (?:us )?for (?:it|that|this|the)\b|"
            # "is the tail free?", "does it cost anything?": the price asked the other way round
            r"\b(?:is|are) (?:it|that|this|they|the|our|an?)(?: [\w-]+){0,3} free\b|\bcost (?:us )?(?:anything|extra)\b|"
            # "if we cancel, how much of the premium is kept / of what we paid is gone?": the share of the premium earned
            r"\bhow much of (?:the|our) premium\b|\bhow much of what we paid\b|\bpremium (?:is|gets?) (?:kept|retained|earned)\b")

_PRICE_RX = re.compile(_PRICE_Q, re.I)
_OPENS_CAN_WE = re.compile(r"^\W*(?:\w+\W+){0,2}?(?:can|may|could) (?:we|i|us)\b", re.I)
_ASKS_FOR_A_FIGURE = re.compile(r"\bhow (?:much|long|many|soon|quick(?:ly)?|fast|often)\b|\bwhat(?:'s| is| are|s)?\b|\bby when\b|\bwhich\b", re.I)

# "how do they work out how much income we lost?", "how is the refund calculated?": the method, which a clause
# describes, not the figure it comes to
_ASKS_METHOD = re.compile(r"\bhow (?:do|does|did|will|would|is|are|was|were) (?:[\w'-]+ ){0,4}?(?:work(?:ed)? out|calculat\w*|"
                          r"comput\w*|determin\w*|measur\w*|assess\w*|valu(?:e|ed)|arriv\w* at|figur\w* out)\b", re.I)

_ASKS = [
    # "will the underwriter want to know / does the application ask …": about a proposal form's questions, not cover
    ("form", re.compile(
        r"\b(?:does|do|will|would|is|are)\s+(?:the\s+)?[\w-]+(?:\s+[\w-]+)?\s+(?:(?:want|need)\s+to\s+know|ask|asking|going\s+to\s+ask)\b|"
        r"\b(?:form|application|proposal|questionnaire)s?\s+(?:ask|asks|asking|want|wants|cover|covers)\b", re.I)),
    ("figure", re.compile(
        r"\bhow (?:much|long|many|soon|quick(?:ly)?|fast|big|high|low|far back)\b|" + _CONTACT_Q + "|"
        r"\bwhat(?:'s| is| are|s)?\b.{0,40}\b(?:deductible|retention|excess|limit|sub-?limit|"
        r"waiting period|coinsurance|co-insurance|cap|ceiling|max\w*|period of restoration|deadline|time ?limit|window)\b|\bdeadline\b|\bwithin how\b|"
        r"\bhow many (?:days|hours)\b|\bhow often\b|\bhow regularly\b|\bwhat (?:\w+ )?(?:share|slice|chunk|percentage|proportion|portion|fraction|cut|amount|sum|threshold|size)\b|\bwhat number of\b|\b(?:above|over|below|under) what\b|\bwhat'?s the minimum\b|\bnumber of (?:days|hours|weeks|months)\b|" + _PRICE_Q + r"|\bby when\b|\bcut-?off\b|\bhard stop\b|\blatest (?:we|i) can\b|\b(?:what|which) is the (?:\w+ )?(?:longest|shortest|latest|earliest)\b|\bwhat'?s the (?:\w+ )?(?:longest|shortest|latest|earliest)\b|\bfrom what point\b|\bwhen (?:do|must|should|would) (?:we|i)\b|\blast (?:possible )?(?:date|day)\b|\bup to (?:what|how much)\b|\bis there (?:a|any) (?:\w+ )?(?:ceiling|cap|limit|maximum|sub-?limit|allowance|per diem)\b|\bover what (?:period|time|timeframe|stretch)\b|\bwhen is (?:[\w,'-]+ ){0,8}due\b|\bmax(?:imum)?\b|\bcapped\b|\bthe most\b|\bmost (?:they|we|it)\b|\b(?:longest|shortest)\b|"
        # "what do we pay ourselves on each suit before they step in?": the retention
        r"\bwhat (?:do|would|will|must) (?:we|i) (?:have to )?(?:pay|cover|carry|bear) (?:ourselves|myself|out of pocket|first)\b|"
        # "when do the numbers have to be in?": a deadline, though "have to" would make it an obligation
        r"\bwhen (?:do|does|must|should|will) (?:[\w'-]+ ){1,3}(?:have|need) to be\b|"
        # "what do we get per day for their time?": a rate is a figure, whatever the story says they "have to" do
        r"\bwhat\b.{0,40}\b(?:(?:per|a|each|every) (?:day|hour|week)|per[- ]diem)\b|"
        # "any per-diem for the time in court?": a rate asked whether it exists asks its amount
        r"\bany (?:\w+ )?(?:per[- ]diem|daily (?:rate|allowance))\b|"
        # "…and at what daily rate?", "what's the hourly rate?": a rate is a figure, even after a yes-or-no question
        r"\bat what (?:\w+ )?rate\b|\bwhat(?:'s| is)? (?:the |their )?(?:\w+ )?rate\b", re.I)),
    # "…since before we bought the policy - problem?", "does that matter?", "will it affect our claim?" ask whether
    # something counts against cover, with the polarity of "is it excluded?" (yes is the bad news)
    ("exclusion", re.compile(r"\bexclu\w*\b|\b(?:a |any )?problem\W*$|\b(?:is|would|will) (?:it|that|this) (?:be )?a problem\b|\bdoes (?:that|this|it) matter\b|"
                             r"\b(?:affect|hurt|jeopardi[sz]e|prejudice) (?:our |the )?(?:cover|coverage|claim|policy)\b|"
                             # "does the war wording still knock us out?", "does that automatically sink the claim?"
                             r"\bknocks? (?:us|it|that|this|the claim|our claim) out\b|\b(?:sink|kill|torpedo|tank)s? (?:the|our|a) claim\b|"
                             r"\brules? (?:us|it|that|this) out\b", re.I)),
    # "can they cancel / can AXA change our terms / could they treat the policy as void": the insurer's rights
    ("insurer_right", re.compile(
        r"\b(?:can|could|may|will|would)\s+(?:they|the\s+insurers?|insurers?|the\s+underwriters?|underwriters?|the\s+carrier|(?-i:[A-Z][\w-]+)(?:\s+(?-i:[A-Z][\w-]+))?)\s+"
        r"(?:still\s+|just\s+|legally\s+|actually\s+|then\s+)?"
        r"(?:cancel|drop|dump|terminate|end|void|rescind|unwind|avoid|tear\s+up|treat|change|alter|vary|increase|raise|refuse|deny|decline|reject|"
        r"audit|inspect|examine|go\s+through|look\s+(?:at|into)|access|take\s+over|appoint|recover|walk\s+away)\b", re.I)),
    # "can we claim / bill / get it back" asks whether the policy pays, not whether we are allowed to
    ("coverage", re.compile(
        r"\b(?:can|could|may) (?:we|i) (?:still |also |just )?(?:claim|bill|recover|be reimbursed|get (?:it |that |this |the \w+ |our \w+ )?back)\b|"
        # "can we put their regular pay into the claim?", "can we add the overtime to what we claim?"
        # "does hiscox still have to fight it for us?": the insurer's duty to defend or pay is cover, not ours to meet
        r"\b(?:does|do|will|would) (?!we\b|i\b|you\b)(?:[\w&'-]+ ){1,2}(?:still )?(?:have|need|got) to (?:fight|defend|pay|cover|indemnify|reimburse|honou?r)\b|"
        r"\b(?:can|could|may) (?:we|i) (?:still |also |just )?(?:put|include|add|count|submit|charge|tack)\b.{0,50}"
        r"\b(?:in|into|on|onto|to|as part of|under) (?:the|our|a|this|that|what we) (?:claim|claims|claim form|invoice)\b", re.I)),
    ("permission", re.compile(
        r"\b(?:can|may|could) (?:we|i|us)\b|\b(?:are|r) we (?:still )?(?:allowed|ok|okay|free)\b|\b(?:is|are) (?:she|he|they|it|[\w-]+) (?:still )?(?:allowed|permitted) to\b|^\W*we (?:still )?(?:good|ok|okay|fine)\b|\bis it (?:ok|okay|fine)\b|\bok to\b|\bwithout (?:asking|telling|consent|permission|checking)\b|"
        r"\b(?:use|pick|choose|hire|bring in|go with|keep|call in) our own\b|\bpick (?:our|the|a)\b|\bchoose (?:our|the|a)\b", re.I)),
    ("obligation", re.compile(
        r"\b(?:must|have to|has to|need to|needs to|got to|gotta|required?|requirement|obliged|mandatory|condition of)\b|\bdo (?:we|i) need\b|\bshould we\b|"
        # "does PHLY expect us to get the police involved?"
        r"\b(?:expects?|wants?|requires?|obliges?|needs?) (?:us|me|the insured|the company|our (?:team|company|firm|staff)) to\b|"
        r"\b(?:do|does|will|would) (?:they|the insurers?|the carrier|the underwriters?) (?:still )?(?:expect|require)\b|"
        # "is there any policy condition tied to having MFA?"
        r"\b(?:any|a) (?:policy |coverage |security )?conditions? (?:tied|linked|attached|related|relating|about|on|around|for)\b", re.I)),
    ("coverage", re.compile(
        r"\b(?:covered|cover|covers|covering|pay|pays|paid|payout|reimburse\w*|protected|claimable|recoverable|claim (?:for|on)|insured for|help with|foot the bill|"
        r"fund|funds|buy us|do we get|get anything|handles?|on the policy|in the policy|kind of thing|(?:bi|a) claim|"
        r"anything for|in scope|where do we stand|respond|responds)\b|"
        # "do we at least still get their incident response help?", "anything in CFC for the revenue we lost?",
        # "does it treat that as something it will defend?", "… no attack. BI under axa xl?"
        r"\bdo (?:we|i) (?:(?:at least|still|also|even|actually) )+get\b|\banything in (?:[\w&'-]+ ){1,3}for\b|\bwill defend\b|"
        r"\b(?:will|would|does|do) (?:[\w&'-]+ ){1,2}defend\s*\?|"
        r"\bunder (?:the )?(?:[\w&'-]+\s+){0,2}[\w&'-]+\s*\?+\s*$|"
        # the insurer paying, said other ways: "will they step in / stand behind us / keep paying / buy replacements"
        r"\b(?:step in|stand behind|back us|keep paying|get compensated|compensate us|put up (?:the )?(?:money|cash|funds)|buy (?:replacements?|new)|"
        # "… won't even boot. will coalition replace them?"
        r"(?<!we )(?<!i )(?<!to )replace (?:them|it|those|these|the (?:\w+ )?(?:machines|laptops|devices|kit|hardware|servers|equipment))|"
        r"defend (?:us|that|it|this|(?:a|an|the|our|any) \w+))\b|"
        r"\bis (?:that|it|this) (?:something|on|in|part)\b|"
        # "does the endorsement pick that up?", "will they pick up the tab?"
        r"\bpick (?:that|it|this|those|these) up\b|\bpick up (?:the )?(?:tab|bill|costs?|cheque|check)\b|"
        # "can that extra be claimed?"
        r"\b(?:be|been|get|gets|is|are) (?:claimed|reclaimed|recouped|paid back)\b|"
        # "…the utility bill went through the roof. embroker?": a story, then just the policy's name
        r"[.!]\s+\W*(?:[\w&'-]+\s+){0,1}[\w&'-]+\s*\?+\s*$|\bis there (?:any(?:one|thing)?|some(?:one|body)|a|free)\b|\bwho (?:do|can|could|should|will|would) (?:we\b|\w+ (?:for|with) us\b)|\bwho (?:can|could|will) (?:help|handle|deal|dig|investigate|negotiate|talk|answer|print|mail|send)\b|\bany (?:vendors?|firms?|one)\b", re.I)),
]

# What binds the insured in a clause typed by its heading only: "any dispute … will first be submitted to mediation",
# "the Insured shall …"
_BINDS_INSURED = re.compile(
    r"\b(?:shall|will|must)\s+(?:first\s+)?be\s+(?:submitted|referred|resolved|settled|given|provided|reported|sent|filed)\b|"
    r"\b(?:you|the insureds?|the named insured|the parties|both parties|the applicant)\s+(?:\w+\s+){0,2}"
    r"(?:shall|must|will be required to|is required to|are required to)\b", re.I)
_UNLESS_INSURABLE = re.compile(r"\b(?:unless|except (?:to the extent|where)|where|to the extent)\b[^.;]{0,30}\binsurable\b", re.I)
# a question about whether the insurer must agree first: "do we need to ask / get their OK / sign-off before …?"
_ASKS_LEAVE = re.compile(r"\b(?:ask(?:ing)?|permission|ok|okay|consent|approv\w*|sign[- ]?off|check(?:ing)? with|green[- ]light|blessing|agree(?:ment)?)\b", re.I)
_CONSENT = re.compile(
    r"prior (?:written )?(?:consent|approval)|without (?:our|the insurer'?s?|the underwriters'?|the company'?s?|its) (?:prior )?(?:written )?(?:consent|approval|agreement)|"
    r"with (?:our|the insurer'?s?) (?:prior )?(?:written )?consent|consent of the (?:insurer|company|underwriters)|"
    r"must be approved|shall not (?:\w+ ){0,6}without|panel|approved (?:provider|vendor|counsel)", re.I)
_DEFERS = re.compile(
    r"(?:stated|shown|set (?:forth|out)|specified|listed|indicated|designated) (?:in|on) (?:the |item \d+\w* (?:of|in) the )?(?:declarations|schedule)|"
    r"\b(?:declarations|schedule)\b", re.I)
# A clause that is itself a proposal-form question: "Does the Applicant …?", "Please describe …", a checkbox list.
_FORM_QUESTION = re.compile(
    r"\?|\b(?:does|do|has|have|is|are|will) (?:the )?(?:applicant|you|your)\b|\bplease (?:describe|provide|list|explain|indicate)\b", re.I)
# "Does ringing the hotline count as telling them?": a call is notice only where the wording says so, and wordings
# that ask for written notice, or say a hotline call is not notice, answer no (the primer: calling a breach hotline
# is not notice).
_COUNTS_AS_NOTICE = re.compile(
    r"\b(?:count|counts|counted|treated|considered|deemed|enough|suffice|satisfy|satisfies)\b(?: as)?(?: \w+){0,3} "
    r"(?:notice|notif\w*|report\w*|telling|told|inform\w*|letting (?:them|the insurer|\w+) know)\b|"
    # "so we've officially told them now, right?", "is that our formal report done?"
    r"\b(?:officially|formally|properly) (?:told|notified|informed|reported (?:it )?to)\b|"
    r"\b(?:our|the|a) (?:formal|official|proper) (?:report|notice|notification|claim notice)\b|"
    # "that covers our notice obligation, yeah?"
    r"\b(?:covers?|satisf\w+|meets?|fulfil\w*|takes? care of|handles?|ticks?) (?:off )?(?:our |the |any )?(?:notice (?:obligation|requirement|duty|condition)s?|"
    r"(?:obligation|duty|requirement)s? to (?:tell|notify|inform|report))\b|"
    # "so we've done our bit on telling them, right?"
    r"\b(?:done|did|played) (?:our|my) (?:bit|part|duty)\b.{0,20}\b(?:tell\w*|told|notif\w*|notice|report\w*|inform\w*)|"
    # "have we done everything we need on the reporting side?"
    r"\b(?:done|did) (?:everything|all|what)\b.{0,30}\b(?:tell\w*|told|notif\w*|notice|report\w*|inform\w*)", re.I)
_BY_PHONE = re.compile(r"\b(?:call|calls|called|calling|ring|ringing|rang|phone|phoning|phoned|hotline|helpline|breach line|1-800)\b", re.I)
_NOT_NOTICE = re.compile(r"\bnot (?:\w+ ){0,2}(?:constitute|be deemed|be considered|count as|satisfy) (?:\w+ ){0,3}notice|"
                         r"\bwritten notice|\bnotice (?:\w+ ){0,8}in writing", re.I)
_CALL_IS_NOTICE = re.compile(r"\b(?:call|calls|calling|telephone|phone|hotline)\b[^.;]{0,100}\b(?:will|shall|does|is deemed to) "
                             r"(?:constitute|be|count as|satisfy) (?:\w+ ){0,2}(?:notice|notification)\b", re.I)
# What a clause lets the insurer do, for "can they …" questions.
_INSURER = r"(?:we|the insurer|insurer|the company|the underwriters|underwriters|it)"
_INSURER_MAY_NOT = re.compile(
    _INSURER + r"\s+(?:may|shall|will|can)\s*not\b|\b(?:may|shall) (?:only|not) be (?:cancelled|canceled|terminated)|"
    # "The Insurer may only cancel this Policy for nonpayment of premium"
    r"\b(?:may|can|shall|will) only (?:cancel|terminate|non-?renew|rescind|avoid|void)\b|"
    r"\b(?:shall|will) not be entitled\b", re.I)
_INSURER_MAY = re.compile(
    _INSURER + r"\s+(?:may|can|(?:shall|will) (?:be entitled|have the right)|reserves? the right|(?:is|are) entitled)\b|"
    r"\bright to (?:cancel|terminate|rescind|avoid|void|examine|audit|inspect|amend|vary|recover)\b|"
    r"\b(?:shall|will) be (?:null and )?void\b|\bvoid ab initio\b", re.I)
_NONPAYMENT = re.compile(r"non-?payment|failure to pay|unpaid premium", re.I)
_Q_NONPAYMENT = re.compile(r"non-?payment|unpaid|overdue|\b(?:don'?t|do not|didn'?t|did not|can'?t|cannot|miss\w*|late|stop\w*|fail\w*)\s+"
                           r"(?:to\s+)?(?:pay|paying|(?:a|the|our|one|an)\s+(?:premium\s+)?(?:payment|instal\w*))|\b(?:paid|pay|paying)\b.{0,25}\blate\b|"
                           r"\blate (?:premium|payment)", re.I)
# "for any reason other than non-payment?", "(not for late payment)" set non-payment aside: the question is about every other reason
_BESIDES_NONPAYMENT = re.compile(r"\b(?:other than|apart from|except(?: for)?|besides|aside from|excluding|not (?:for|because of|due to|over))\s+(?:for\s+)?(?:non-?payment|"
                                 r"not paying|unpaid premium|late payment)\w*", re.I)


def _asks_nonpayment(question: str) -> bool:
    return bool(_Q_NONPAYMENT.search(_BESIDES_NONPAYMENT.sub(" ", question)))


_ASAP = re.compile(r"as soon as (?:is )?(?:reasonably )?(?:practicable|possible)", re.I)
_NEGATED = re.compile(r"\b(?:shall|will|does|do|can) not (?:apply|cover|pay|be liable|make any payment|indemnify|respond|"
                      r"(?:provide|afford) (?:any )?(?:cover|coverage|indemnity|benefit))|\bnot covered\b|\bexclud\w+|\bno (?:coverage|cover)\b", re.I)

# "We will pay, in our discretion, …": whether it is paid is the insurer's call
_DISCRETION = re.compile(r"\b(?:in|at) (?:our|its|the insurer's|the underwriters'?) (?:sole |absolute |reasonable )?(?:discretion|option)\b|"
                         r"\b(?:sole|absolute) discretion\b", re.I)

# "nobody hacked us", "no attack", "it died on its own": the question rules out an attack or breach
_NO_ATTACK_Q = re.compile(
    r"\b(?:no|nobody|not|without|never|wasn'?t|weren'?t|isn'?t|no-one|no one)\s+(?:\w+\s+){0,2}(?:hack\w*|attack\w*|breach\w*|malicious|criminals?|cyber ?attack\w*|malware|virus)\b|"
    r"\bon (?:its|their) own\b|\bjust (?:their|our|the|a) (?:kit|hardware|servers?|systems?|equipment) (?:dying|failing|failed|died|breaking)\b", re.I)
# Cover for outages nobody caused on purpose
_NON_MALICIOUS = re.compile(r"system failure|unintentional|unplanned|accidental|non-malicious|administrative error|operational error|"
                            r"programming error|human error|technical failure|power failure", re.I)

# A question asking for a yes or a no: it opens with (or, after a comma or a line of context, turns to) an auxiliary
# verb before its subject, or ends by asking for confirmation ("…, right?").
_POLAR = re.compile(
    r"(?:^|[.?!,;:\n]\s*|\b(?:so|and|but|also|then|ok|okay|hi|hey|quick q(?:uestion)?)\s+)"
    r"(?:do|does|did|is|are|r|was|were|will|would|can|could|should|shall|may|might|must|has|have|had|isn'?t|aren'?t|doesn'?t|don'?t|won'?t|wouldn'?t|can'?t)\s+"
    r"(?:we|i|you|they|it|this|that|there|our|the|their|a|an|these|those|any|[A-Za-z][\w&-]*)\b|\b(?:right|correct|yes or no)\s*\?+\s*$|"
    # "what happens if we miss the deadline?": whether the cover still holds, asked as a consequence
    r"\bwhat happens (?:if|when)\b", re.I)

# Which figure a "how much / how long" question wants: the words around the figure in the clause.
_ASKS_OFTEN = re.compile(r"how often|how regularly|frequen", re.I)
# The retention (deductible, excess) is named next to its amount; "in excess of the Deductible and up to a maximum sum of
# $250,000" states a cap, and "in excess of" is no excess.
_ROLES_RETENTION_Q = re.compile(r"deductible|retention|excess|pay ourselves|out of pocket|first \$|\b(?:we|i) (?:have to )?(?:eat|absorb|swallow|wear)\b|"
                                r"how much (?:do|would|will|must|should) (?:we|i) (?:\w+ ){1,2}(?:ourselves|on our own)\b", re.I)
_RETENTION_NEAR = re.compile(r"retention|deductible|\bexcess\b(?! of)", re.I)
_CAP_BEFORE = re.compile(r"\b(?:up to|maximum|not (?:to )?exceed|limit(?:ed)? (?:of|to)|at most)\b[^$£€\d]{0,25}$", re.I)
class _Role(NamedTuple):
    """A figure a question may ask for: `asks` finds the role in the question, `near` the words a clause states next to
    its figure, `unit` the kind of figure. `topic`: what a clause must name for a figure of it that is not next to `near`
    to count as the role's (default `near`). `generic`: any figure of the unit answers when the clause names no role
    words. `not_followed`: a figure followed by this is another of the same unit (the window for acting after a
    cancellation is not the notice given before it)."""

    asks: re.Pattern[str]
    near: re.Pattern[str]
    unit: str
    topic: re.Pattern[str] | None = None
    generic: bool = False
    not_followed: re.Pattern[str] | None = None
    not_preceded: re.Pattern[str] | None = None  # … or preceded by this, in its sentence


# the insurer's own service times ("We aim to respond to a complaint … within 15 business days"): no deadline of the insured's
_INSURER_UNDERTAKES = re.compile(r"\b(?:we|the insurer|underwriters?)\s+(?:will\s+|shall\s+|aim\s+to\s+|try\s+to\s+|endeavou?r\s+to\s+|"
                                 r"undertake\s+to\s+|cannot\s+|can't\s+|do not\s+|may\s+)+(?:\w+\s+){0,2}?(?:respond|reply|acknowledge|"
                                 r"review|decide|resolve|answer|investigate|consider|let you know|inform you|notify you|tell you|"
                                 r"get back to you)\b", re.I)


_RUN_OFF_TOPIC = re.compile(r"extended reporting|extension period|discovery period|run-?off|\btail\b", re.I)
# "within 30 days after the effective date of cancellation", "no later than ninety (90) days following the cancellation",
# "shall terminate ninety (90) days after the effective date of such acquisition": a window after an event, where a
# notice period runs from the notice ("not less than 60 days after the date of notice")
_AFTER_ENDING = re.compile(r"^\W*(?:\w+\W+){0,4}?(?:after|following|of|from|beyond)\s+(?:the\s+)?(?:effective\s+)?(?:date\s+of\s+)?"
                           r"(?:the\s+)?(?:termination|cancell?ation|non-?renewal|expir\w*|inception)|"
                           r"^\W*(?:\w+\W+){0,4}?(?:after|following|from)\s+(?:the\s+)?(?:effective\s+)?date\s+of\s+"
                           r"(?!(?:the\s+|such\s+|this\s+|written\s+)*(?:notice|mailing|delivery))", re.I)
# a number in words, as wordings write them before the digits: "seventy-two (72) hours", "one hundred and eighty (180) days"
_NUMBER_WORD = (r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|"
                r"eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand)")
# "pass the letter on", "forward it", "send it over", "hand it over": lay words for giving the insurer notice of it
PASS_ON = r"\b(?:pass|send|hand|forward)(?:ing|ed|es|s)? (?:it|this|that|them|the \w+|[\w'-]+ \w+) (?:on|over|along)\b|\bforward(?:ing)? (?:it|this|that|them)\b"
_ROLES = [
    _Role(_PRICE_RX, re.compile(r"premium", re.I), "percent"),
    _Role(_PRICE_RX, re.compile(r"premium", re.I), "money"),
    _Role(re.compile(r"\bwhere (?:do|should|must) (?:we|i) (?:send|email|submit)\b|\bemail address\b", re.I),
          re.compile(r"notice|claims?|report|e-?mail|send|address", re.I), "email"),
    _Role(re.compile(_CONTACT_Q, re.I), re.compile(r"call|telephone|phone|hotline|contact|tel\b|24/7|notify", re.I), "phone"),
    # "how long do we have to hand them the numbers proving our lost income?": the proof of loss, a deadline apart from
    # the notice of the incident
    _Role(re.compile(r"\bproofs? of\b|\bprov(?:e|ing)\b.{0,40}\b(?:loss|losses|lost|income|revenue|profits?|costs?|damages?)\b|\bsubstantiat\w*|\bsworn\b|\b(?:paperwork|numbers|figures|documentation|evidence|"
                     r"breakdown|write-?ups?|statement|calculation)\b.{0,40}\b(?:loss|losses|lost|income|revenue|profits?|costs?)\b|"
                     r"\bsupporting (?:documents|documentation|evidence)\b|"
                     r"\b(?:downtime|interruption|lost income|lost profits?|loss)\b.{0,30}\b(?:numbers|figures|paperwork|documentation)\b", re.I),
          re.compile(r"proofs? of loss|\bproof\b|substantiat|sworn", re.I), "period"),
    # "what do we get per day for their time in court?": a rate, stated beside its unit of time ("$500 per day")
    _Role(re.compile(r"\b(?:per|a|each|every) (?:day|hour|week)\b|\bper[- ]diem\b|\bdaily\b|\ballowance\b", re.I),
          re.compile(r"\bper (?:day|hour|week)\b|\bper[- ]diem\b|\b(?:a|each) (?:day|hour|week)\b|\ballowance\b|\bdaily\b", re.I), "money",
          generic=True),
    _Role(_ROLES_RETENTION_Q, _RETENTION_NEAR, "money"),
    _Role(re.compile(r"coinsurance|co-insurance|percent|%|share|\b(?:slice|chunk|portion|proportion|fraction|cut)\b", re.I), re.compile(r"coinsurance|co-insurance|percent|%", re.I), "percent",
          # "do not exceed 50% of the Retention": a threshold set against another figure, not a share of the loss
          not_followed=re.compile(r"^\W*of\s+(?:the|your|its|any)\s+(?:applicable\s+)?(?:retention|deductible|excess|limit|sub-?limit)", re.I)),
    _Role(re.compile(r"waiting|before (?:it|they|cover|the cover|anything) (?:kicks?|starts?|pays?)|hours? (?:of )?(?:downtime|outage)|kicks? in|"
                     r"\b(?:start|begin)s? (?:getting |to get )(?:paid|compensated|covered)|"
                     r"\b(?:they|it|cover|insurer|policy|insurance) (?:start|begin)s? (?:paying|covering|to pay)|from what point|"
                     r"\bbefore\b.{0,40}\b(?:gets?|is|are) (?:paid|payable|covered|reimbursed|owed|due)\b|"
                     r"\bhow long before\b.{0,40}\b(?:starts?|begins?|kicks? in)\b|"
                     r"how long (?:do|must|would) (?:we|i) (?:have to )?be (?:down|offline|out)|"
                     # "how many hours do we have to be knocked offline before anything is owed?"
                     # "how long does an outage have to run before downtime losses get picked up?"
                     r"\bhow (?:long|many hours|many days)\b.{0,40}\b(?:down|offline|out of action|knocked out|outage|downtime)\b.{0,30}\bbefore\b|"
                     # "how long till lost-profit cover starts?"
                     r"\b(?:till|until)\b(?: [\w'-]+){0,3} (?:cover|coverage|insurance|it|they) (?:kicks? in|starts?|begins?)\b", re.I),
          re.compile(r"waiting period|waiting|time retention|hours? of (?:downtime|interruption|outage)|first \d+ hours of\b", re.I), "period",
          # "the 180 day period that begins at the conclusion of the waiting period": what runs after the wait, not the wait
          not_followed=re.compile(r"^\W*(?:\w+\W+){0,3}?(?:begins|starts|commenc\w+|runs)\s+(?:at|on|from|after|upon)\s+the\s+"
                                  r"(?:conclusion|end|expiry|expiration|close)\b", re.I)),
    _Role(re.compile(r"restoration|how long (?:will|do) they pay|how long\b.{0,40}\b(?:downtime|interruption|income|profits?|revenue|turnover|offline|outage)|"
                     # "the max number of days of lost profit", "the longest stretch of lost income"
                     r"\b(?:longest|max\w*|number of (?:days|weeks|months))\b.{0,40}\b(?:downtime|interruption|income|profits?|revenue|turnover|outage)|"
                     # "for how long will they keep paying for the letters and the call centre?": how long a cover runs
                     r"how long\b.{0,60}\b(?:keep paying|keep covering|continue to pay|go on paying|stay covered|remain covered)", re.I),
          # "during the thirty (30) days after an Adverse Media Report": the stretch a cover pays over
          re.compile(r"restoration|period of indemnity|indemnity period|continuous|\bduring the (?:first |next )?(?=(?:\d|" + _NUMBER_WORD + r")\b)",
                     re.I), "period",
          # "trading results during the previous twelve months immediately prior to the event": a look-back, not the period paid
          not_followed=re.compile(r"^\W*(?:immediately\s+)?(?:prior|preceding|before)\b", re.I)),
    _Role(_ASKS_OFTEN, re.compile(r"every|at least|once|annual|each", re.I), "frequency"),
    # "above how many people's records does the question flip to yes?": a count, not an amount or a period
    _Role(re.compile(r"\b(?:how many|what number of)\b(?! (?:days|hours|weeks|months|years|times)\b)", re.I),
          re.compile(r"more than|in excess of|over|at least|fewer than|records|individuals|people|persons|employees", re.I), "count",
          generic=True),
    # Run-off cover (an extended reporting period) has two periods: the window for taking it up and how long it
    # lasts. "How long do we have to decide / buy it" wants the first, "how long after expiry can we report" the second.
    _Role(re.compile(r"\b(?:decide|elect|opt|take (?:it |that )?up|sign up|request|(?:have|got|get|time|deadline) to (?:buy|purchase))\b.{0,60}\b(?:run-?off|tail|extended reporting|ERP)\b|"
                     # "how long after we leave do we have to decide?" (of the run-off the part before named)
                     r"\b(?:after|following)\b.{0,40}\b(?:decide|elect|opt in|choose)\b|"
                     # "(c) how long do we have to ask for it?", "deadline to ask for it?" of the run-off the parts before
                     # named ("how long can we buy it for?" is how long it lasts)
                     r"\b(?:how long|deadline|cut-?off|window|time)\b.{0,30}\b(?:ask for|apply for|request|buy|purchase|take out) "
                     r"(?:it|that|one|this)\b(?!\s+for\b)|"
                     # "(2) how long do we have to elect and pay?": electing is taking up an option, within its window
                     r"\b(?:how long|deadline|cut-?off|window|time)\b.{0,30}\b(?:elect|opt in)\b|"
                     r"\b(?:run-?off|tail|extended reporting|ERP)\b.{0,60}\b(?:decide|elect|take (?:it |that )?up|to (?:buy|purchase|request))\b", re.I),
          re.compile(r"exercis|elect|request|must be received|written notice|no later than|within", re.I), "period", topic=_RUN_OFF_TOPIC),
    _Role(re.compile(r"\b(?:run-?off|tail|extended reporting|ERP|discovery period)\b|"
                     r"\b(?:after|afterwards|following)\b.{0,30}\b(?:expir\w*|end date|ends?|lapse\w*|non-?renew\w*|cancel\w*|ran out|runs? out)\b|"
                     r"\b(?:expir\w*|lapse\w*|ran out|runs? out|non-?renew\w*|don'?t renew|not renewing|leave|switch|move to another)\b.{0,60}\b(?:report|claims?|still)\b", re.I),
          re.compile(r"(?:extended reporting|discovery) period of|(?:after|following|commencing (?:at|on|from)|from) the "
                     r"(?:end|expir\w*|termination|cancellation|non-renewal)", re.I), "period", topic=_RUN_OFF_TOPIC),
    # "how much notice / warning do we get if they cancel?": the notice of cancellation, not the notice of a claim
    _Role(re.compile(r"\b(?:notice|warning|heads[- ]up)\b.{0,60}\b(?:cancel\w*|terminat\w*|non-?renew\w*|drop|dump|end)|"
                     r"\b(?:cancel\w*|terminat\w*|non-?renew\w*)\b.{0,60}\b(?:notice|warning|heads[- ]up)\b", re.I),
          re.compile(r"cancel\w*|terminat\w*|non-?renew\w*", re.I), "period", not_followed=_AFTER_ENDING),
    # "how long do we get to push out the critical fixes?": the patching window, not a notice or a waiting period; users
    # ask for the critical one ("within 14 days of their release, and all other security patches within 90 days")
    _Role(re.compile(r"\b(?:apply|install|push|roll|get|deploy)\w*\b.{0,40}\b(?:patch\w*|fixes|hotfix\w*|updates)\b|"
                     r"\b(?:patch\w*|fixes|hotfix\w*|updates)\b.{0,30}\b(?:applied|installed|deployed|in|on|onto)\b|"
                     r"\bpatch(?:ing)? (?:window|deadline)\b|\bfor the \w+ (?:patch\w*|fixes)\b", re.I),
          re.compile(r"critical|severity|release", re.I), "period"),
    # "tell them / report it" is giving notice; an expert who will "tell us how to harden things" is not
    _Role(re.compile(r"notif|notice|tell(?!s?\s+(?:us|me)\b)|report|inform(?!s?\s+(?:us|me)\b)|deadline|how (?:soon|quick(?:ly)?|fast)|when (?:do|must|should) we|by when|\bin writing\b|"
                     r"\bheads[- ]up\b|\bon paper\b|\b(?:call|ring|phone) (?:the|their|them|it)\b|"
                     # "how long do we have to pass it on / send it over?" of a demand letter: handing it to the insurer
                     + PASS_ON, re.I),
          re.compile(r"notice|notif|report|within|later than", re.I), "period", not_preceded=_INSURER_UNDERTAKES),
    _Role(re.compile(r"sub-?limit|limit|most|max|cap|ceiling|how much|dollar|\bup to (?:what|how much)\b", re.I),
          re.compile(r"sub-?limit|limit|aggregate|in the amount|up to|exceed|maximum|no more than|at most", re.I), "money", generic=True),
]
_FREQUENCY = re.compile(
    r"\b(?:at least )?(?:once |twice )?(?:in )?(?:every|each|per|a) (?:(?:\d+|two|three|four|six|twelve|calendar|business) )?"
    r"(?:day|week|month|quarter|year|months|years|days|weeks)\b|\b(?:annually|quarterly|monthly|weekly|daily)\b", re.I)
_PHONE = re.compile(r"(?<![\d$£€.,])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{3}\)\s?|\b\d{3}[\s.-])\d{3}[\s.-]\d{4}\b|\b1-8\d\d-[\dA-Z]{3}-[\dA-Z]{4}\b")
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_MONEY = re.compile(r"[$£€]\s?\d(?:[\d,]*\d)?(?:\.\d+)?(?:\s?(?:million|m|k)\b)?|\b(?:USD|GBP|EUR|AUD)\s?\d(?:[\d,]*\d)?", re.I)
_PERCENT = re.compile(r"\(\d+(?:\.\d+)?\)\s?(?:percent|per cent)\b|\b\d+(?:\.\d+)?\s?(?:%|percent\b|per cent\b)", re.I)
_NUMBER = rf"(?:\d+|{_NUMBER_WORD}(?:(?:\s(?:and\s)?|-){_NUMBER_WORD})*(?:\s?\(\d+\))?)"
# a period, or a list of them sharing one unit: "one (1), two (2), three (3), or six (6) years" (options to choose from)
_PERIOD = re.compile(
    rf"\b(?:(?:{_NUMBER},\s+)*{_NUMBER},?\s+(?:or|to)\s+)?{_NUMBER}[\s-](?:business\s|calendar\s|consecutive\s)?"
    r"(?:hours?|days?|months?|years?)\b", re.I)
_ASKS_TIME = re.compile(r"\bhow (?:long|soon|quick(?:ly)?|fast|often|regularly)\b|\bcut-?off\b|\bhard stop\b|\boutside limit\b|\bhow much (?:notice|time|warning|lead time|advance notice)\b|\bby when\b|\bdeadline\b|\bhow many (?:days|hours|weeks|months|years)\b|\bhow far back\b|\b(?:latest|earliest)\b|\blast (?:possible )?(?:date|day)\b|\bwindow (?:for|to)\b|\bover what (?:period|time|timeframe|stretch)\b|\bwhen is (?:[\w,'-]+ ){0,8}due\b|"
                        r"\bnumber of (?:days|hours|weeks|months|years)\b|\b(?:longest|shortest|max\w*) (?:period|stretch|time|duration)\b", re.I)


_FORM_FIGURE = re.compile(r"\bhow (?:far back|many|much|long|big|large|old|recent)\b|\bwhat number of\b|\b(?:above|over|below|under) what\b", re.I)


def question_asks(question: str) -> str:
    """form, figure, exclusion, insurer_right, coverage, permission, obligation or info."""
    # "can we pay the ransom without checking with them if the deadline is tonight?" asks leave, not a figure: a
    # question opening with "can we" wants a figure only when it asks "how much / how long / what is".
    leave = _OPENS_CAN_WE.search(question) and not _ASKS_FOR_A_FIGURE.search(question)
    if _ASKS_METHOD.search(question):
        return "info"
    for kind, rx in _ASKS:
        if kind == "figure" and leave:
            continue
        if kind == "form" and _FORM_FIGURE.search(question):
            continue  # "how far back does the form ask about past incidents?" wants the form's figure
        if rx.search(question):
            return kind
    return "info"


# a count of people or records, as forms write it ("more than 500,000"): thousands with separators, no currency
_COUNT = re.compile(r"(?<![$£€\d.,])(?<!USD )(?<!GBP )(?<!EUR )(?<!AUD )\b\d{1,3}(?:,\d{3})+\b(?!\s?(?:%|percent|per cent))|"
                    # … or a small count set as a minimum, with what it counts: "requires proposals from at least three providers"
                    rf"\b(?:at least|no fewer than|not fewer than|not less than|a minimum of)\s+(?:\d{{1,2}}|{_NUMBER_WORD})\b(?:\s\(\d+\))?"
                    r"(?!\s+(?:business\s+|calendar\s+|consecutive\s+)?(?:days?|hours?|weeks?|months?|years?|times|percent|per cent)\b|\s?%)(?:\s+[a-z]+s\b)?", re.I)
_UNIT_RX = {"count": _COUNT, "money": _MONEY, "percent": _PERCENT, "period": _PERIOD, "frequency": _FREQUENCY, "phone": _PHONE, "email": _EMAIL}


_HOW_MUCH = re.compile(r"\bhow much\b", re.I)
_ONE_PERIOD = re.compile(rf"\b{_NUMBER}[\s-](?:business\s|calendar\s|consecutive\s)?(?:hours?|days?|weeks?|months?|years?)\b", re.I)


def _lengths(text: str) -> list[float]:
    """The length in hours of each period the text states ("36 months" and "three (3) years" within 2 % of each other)."""
    return [h for m in _ONE_PERIOD.finditer(text) if (h := period_hours(m.group(0))) is not None]


def _previous_ends(found: list[tuple[int, str]]) -> list[int]:
    """Where the figure before each found figure ends (0 for the first): what lies between belongs to the figure."""
    return [0] + [at + len(fig) for at, fig in found[:-1]]


_PER_TIME = re.compile(r"\s(?:(?:per|a|each) (?:day|hour|week)|per[- ]diem)\b", re.I)


def pick_figure(question: str, text: str, strict: bool = False, reading: Reading = READING,
                subject: Callable[[str], bool] | None = None) -> str | None:
    """The figure of the clause that answers a "how much / how long" question, chosen by its role.

    The question's role is the first of `_ROLES` it names whose unit the clause states. `strict` returns only a
    figure stated next to that role's words (no fallback to another role or to any figure). `subject`, when given,
    says whether a stretch of text names what the question is about: of several figures of the role, those stated
    for it are chosen ("Retention: $25,000 each Claim, except that the Retention for Social Engineering Loss is
    $50,000" of a payment-scam question)."""
    flat = " ".join(text.split())
    asks_time = bool(_ASKS_TIME.search(question))
    # a price is never answered with a period or another role's amount (a question asking both "how long" and "what does
    # it cost" in one part gets the period, as a "how long" question never gets an amount)
    asks_price = bool(_PRICE_RX.search(question)) and not asks_time
    about_nonpayment = _asks_nonpayment(question)
    named_units: list[str] = []  # the units of the roles the question names: "what's our excess?" wants money, never a %
    specific = False  # a figure of its own was named ("how much is the retention?"): a limit is no answer to it
    for role in _ROLES:
        q_rx, near_rx, unit = role.asks, role.near, role.unit
        named = q_rx.search(question)
        if not named or (asks_time and unit in ("money", "percent")) or (asks_price and q_rx is not _PRICE_RX):
            continue
        if role.generic and specific:
            continue
        # … unless that figure is a period and the question asks "how much" ("how much do we eat before the cover kicks
        # in?" asks for an amount)
        specific = specific or (not role.generic and (unit in ("money", "percent") or not _HOW_MUCH.search(question)))
        if named.group(0).lower() != "how much":  # "how much of the costs?" may be a share
            named_units.append(unit)
        rx = _UNIT_RX[unit]
        found = [(m.start(), m.group(0)) for m in rx.finditer(flat)]
        # "45 days, or 10 days in the case of non-payment of premium": the non-payment figure answers only a question
        # about not paying, and the other one every other question
        ends = [f[0] for f in found[1:]] + [len(flat)]  # what follows a figure, up to the next one

        def for_nonpayment(i: int) -> bool:
            start, fig = found[i]
            return bool(_NONPAYMENT.search(flat[start + len(fig) : min(start + len(fig) + 60, ends[i])]))

        found = [f for i, f in enumerate(found) if for_nonpayment(i) == about_nonpayment] or found
        if near_rx is _RETENTION_NEAR:
            found = [f for f in found if not _is_cap(flat, f[0])]
        if role.topic is not None and not role.topic.search(flat):
            return None  # a clause that never names run-off states no run-off period, whatever "within 60 days" it has
        if role.not_preceded is not None:
            found = [f for f in found if not role.not_preceded.search(re.split(r"[.;:]\s", flat[: f[0]])[-1])]
        if role.not_followed is not None:
            kept = [f for i, f in enumerate(found) if not role.not_followed.search(flat[f[0] + len(f[1]) : ends[i]])]
            if found and not kept:
                return None  # the clause's figures of this unit are all other figures than the one asked for
            found = kept
        if not found:
            continue
        if unit in ("money", "percent") and (asked := _lengths(question)):
            # "what would 36 months of run-off cost?" of a list "two years for 150% …; three years for 200% …": the
            # option stating the length the question names, between the figure before it and its own
            lengths = [_lengths(flat[max(b, f[0] - 80) : f[0]]) for f, b in zip(found, _previous_ends(found))]
            same = [f for f, hs in zip(found, lengths) if any(abs(h - a) <= 0.05 * a for h in hs for a in asked)]
            if strict and not same and all(lengths):
                return None  # each figure is the option for another length ("four years for 225%" of 36 months)
            found = same or found
        if subject is not None and len(found) > 1:
            # what is said between the figure before and this one, and just after it ("$50,000 for Social Engineering")
            stops = [f[0] for f in found[1:]] + [len(flat)]
            said = [flat[max(b, f[0] - 100) : f[0]] + " " + flat[f[0] + len(f[1]) : min(e, f[0] + len(f[1]) + 40)]
                    for f, b, e in zip(found, _previous_ends(found), stops)]
            named_for = [f for f, w in zip(found, said) if subject(w)]
            if 0 < len(named_for) < len(found):
                found = named_for
        anchors = [m.span() for m in near_rx.finditer(flat)]
        if not anchors:
            if strict:
                return None  # the clause states a figure of this unit, but not as the role the question asks about
            if role.generic:
                return found[0][1]
            # a clause that never names the role (a waiting period, a cancellation, run-off) does not state its figure:
            # the 180-day Period of Restoration is no waiting period, nor 30 days of reputational harm a notice period
            anchors = [m.span() for m in (role.topic or near_rx).finditer(flat)]
            if not anchors:
                return None
        # the gap between the figure and the role's words, not between their starts: "an extended reporting period of
        # 12 months … by requesting it within 30 days after the end" states the period right after its long name
        # a role word inside the figure ("months" of "6 months") does not place it: the words around it do (a frequency
        # is its own role words: "at least once every quarter")
        inside = unit not in ("frequency", "percent")

        def near(f: tuple[int, str]) -> list[tuple[int, int]]:
            return [a for a in anchors if not (inside and f[0] <= a[0] < f[0] + len(f[1]))]

        _, at, fig = min((min((_gap(f[0], f[0] + len(f[1]), a) for a in near(f)), default=len(flat)), f[0], f[1])
                         for f in found)  # ties: the first
        # how near is near enough is measured from where the figure starts to where the role's words start
        if strict and min((abs(at - a[0]) for a in near((at, fig))), default=len(flat)) > reading.strict_near_chars:
            return None
        if _LONGEST.search(question) and unit in ("period", "percent"):
            fig = _largest_option(flat, found, reading.list_min_options) or fig
        if unit == "money" and (rate := _PER_TIME.match(flat, at + len(fig))):
            fig += rate.group(0)  # "$500 per day": an amount without its unit of time reads as a lump sum
        return fig
    if strict:
        return None
    # "How long / how soon / how often" is never answered with an amount or a percentage.
    units = ((_FREQUENCY, _PERIOD) if _ASKS_OFTEN.search(question) else (_PERIOD,) if asks_time else (_PERCENT, _MONEY) if asks_price
             else tuple(_UNIT_RX[u] for u in dict.fromkeys(named_units)) or (_MONEY, _PERCENT, _PERIOD))
    caps_out = "money" in named_units and bool(_ROLES_RETENTION_Q.search(question))  # a deductible is never a cap
    any_fig = next((m for rx in units for m in rx.finditer(flat) if not (caps_out and _is_cap(flat, m.start()))), None)
    return any_fig.group(0) if any_fig else None


def role_unit(question: str) -> str | None:
    """The unit of the figure the question asks for by its role (period, money, percent, phone…), None for no role."""
    role = _role_asked(question)
    return role.unit if role else None


def _role_asked(question: str) -> _Role | None:
    asks_time = bool(_ASKS_TIME.search(question))
    return next((r for r in _ROLES if r.asks.search(question) and not (asks_time and r.unit in ("money", "percent"))), None)


def limit_words(question: str) -> re.Pattern[str] | None:
    """The words a clause states a limit with, when the question asks for a limit ("how much / the most / the
    limit"), not a figure of its own."""
    role = _role_asked(question)
    return role.near if role is not None and role.generic else None


def asks_a_specific_figure(question: str) -> bool:
    """Whether the question names a figure of its own (a waiting period, a retention, a notice period), not just "how
    much" or "the limit"."""
    role = _role_asked(question)
    return role is not None and not role.generic


def refers_figure_to_declarations(question: str, text: str) -> bool:
    """Whether `text` names the specific figure the question asks for (a waiting period, a retention, a cancellation
    notice) and refers it to the Declarations or Schedule: "Waiting period means the number of hours set forth in Item
    5.K. of the Declarations"."""
    flat = " ".join(text.split())
    role = _role_asked(question)
    if role is None or role.generic or role.unit not in ("money", "percent", "period"):
        return False
    # the role's words and the reference in one stretch of text, not a clause naming the Declarations for another figure
    return any(_DEFERS.search(flat[max(0, m.start() - 150) : m.end() + 150]) for m in (role.topic or role.near).finditer(flat))


def _defers(question: str, text: str) -> bool:
    """Whether `text` leaves the asked figure to the Declarations: for a figure of its own (a notice period, a waiting
    period, a retention), by naming it beside the reference ("2. Item 6 of the Declarations is amended…" says nothing
    of a notice period); for "how much / the limit", by any reference to them."""
    return refers_figure_to_declarations(question, text) if asks_a_specific_figure(question) else bool(_DEFERS.search(text))


# "the longest run-off we can buy", "the most it can cost": the largest of the options a clause lists
_LONGEST = re.compile(r"\b(?:longest|maximum|max|most|highest|biggest|greatest)\b(?!-)", re.I)
# a sentence ends at a full stop before a capital; "premium; b. two years" is the next item of one list
_SENTENCE_END = re.compile(r"(?<!\b[a-zA-Z])(?<!\b[ivx]{2})(?<!\b[ivx]{3})[.!?]\s+[A-Z(]")


def _largest_option(flat: str, found: list[tuple[int, str]], least: int) -> str | None:
    """The largest figure of a list of options the clause offers ("a. one year for 100% …; e. five years for 250%"):
    the sentence with the most figures of the unit, when it has at least `least`."""
    ends = [m.start() for m in _SENTENCE_END.finditer(flat)]
    by_sentence: dict[int, list[str]] = {}
    for start, fig in found:
        by_sentence.setdefault(sum(e < start for e in ends), []).append(fig)
    options = max(by_sentence.values(), key=len, default=[])
    values = [(v, f) for f in options if (v := period_hours(f, last=True)) is not None]
    return max(values)[1] if len(values) >= least else None


def _gap(start: int, end: int, anchor: tuple[int, int]) -> int:
    return max(anchor[0] - end, start - anchor[1], 0)


def _is_cap(flat: str, at: int) -> bool:
    return bool(_CAP_BEFORE.search(flat[max(0, at - 40) : at]))


def _figure_line(fig: str, c: Citation, text: str) -> str:
    """'30 days (…).', or, where the deadline is first "as soon as practicable" ("… as soon as practicable, and in no
    event later than 30 days"), 'As soon as practicable, and at the latest 30 days (…).': the days are an outer limit,
    not the time a user may take."""
    flat = " ".join(text.split())
    at = flat.find(fig)
    said = re.sub(r"^(\d+)-(hour|day|month|year)$", r"\1 \2s", fig)  # "the 180-day period": 180 days
    if _PERIOD.fullmatch(fig) and at >= 0 and _ASAP.search(flat[max(0, at - 200) : at]):
        return f"As soon as practicable, and at the latest {said} ({_where(c)})."
    return f"{said} ({_where(c)})."


def section_short(c: Citation) -> str:
    """'VI. CONDITIONS §A' — the heading and the clause label of a citation."""
    return c.section.split(" > ")[0] + (f" §{c.section.split(' > ')[-1]}" if " > " in c.section else "") if c.section else "the policy"


def _where(c: Citation) -> str:
    return f"{section_short(c)}, {c.pages}"


def asks_if_a_call_is_notice(question: str) -> bool:
    """ "Does ringing the hotline count as telling them?" """
    return bool(_COUNTS_AS_NOTICE.search(question) and _BY_PHONE.search(question))


def wants_written_notice(text: str) -> bool:
    """Whether a clause wants notice in writing, or says a call is not notice."""
    return bool(_NOT_NOTICE.search(" ".join(text.split())))


def says_a_call_is_notice(text: str) -> bool:
    """Whether a clause says a call to its hotline is notice ("a telephone call … will constitute notification")."""
    return bool(_CALL_IS_NOTICE.search(" ".join(text.split())))


def subject_test(subjects: Sequence[Concept], specific: Callable[[tuple[str, ...]], bool]) -> Callable[[str], bool] | None:
    """Whether a stretch of text names what the question is about: a cover or peril wordings deal with by name ("social
    engineering", "cannabis") by a phrase `specific` accepts; None when the question names none. A concept any question
    of its kind names ("notice", "limit", "claim") says nothing about which figure or sentence is meant."""
    phrases = [p for k in subjects if k.by_name for p in k.policy_phrases if specific(p)]
    if not phrases:
        return None
    return lambda text: any(contains(tokens(text), p) for p in phrases)


def verdict(question: str, cites: Sequence[Citation], texts: Sequence[str], *, controls: Sequence[Control] | None = None,
            naming_exclusion: Citation | None = None, subjects: Sequence[Concept] = (),
            specific: Callable[[tuple[str, ...]], bool] = lambda phrase: len(phrase) > 1,
            reading: Reading = READING) -> tuple[str, str]:
    """(kind, sentence): kind is yes, no, depends, figure or info; the sentence says it with where.

    "Is it covered?" is not answered "yes" from the insuring clause when an exclusion about the same
    thing is cited beside it: the exclusion decides. `controls`: the security controls the question names, when the
    caller has them already (else they are read from the question). `naming_exclusion`: a cited exclusion whose
    wording names what the question is about (the caller matches the question's subjects against it). `subjects`:
    the vocabulary concepts the question names; an exclusion whose carve-back names one of them by a phrase that
    `specific` accepts (a word most clauses use, "claim", names nothing) does not decide, and of several figures of the
    role asked, the one a clause states for a by-name subject among them is the answer. `reading`: how closely
    sentences are read (see `Reading`)."""
    subject = subject_test(subjects, specific)
    kind, sentence = _verdict(question, cites, texts, controls=controls, naming_exclusion=naming_exclusion, reading=reading,
                              subject=subject)
    asks = question_asks(question)
    if asks == "coverage" and kind in ("yes", "info"):
        outside = _outside_territory(question, cites, texts)
        if outside is not None:
            return "no", outside
    if asks == "coverage" and kind in ("yes", "depends", "info"):
        below = _below_floor(question, cites, texts)
        if below is not None:
            return "no", below
    if subject is not None:
        refusing = next((c for c, t in zip(cites, texts) if refusal_named(question, t, subject)), None)
        if refusing is not None:
            return "no", f"No — the insurer does not write this business: the wording names it among those it will not insure ({_where(refusing)})."
    if subjects and ((asks == "exclusion" and kind == "yes") or (asks == "coverage" and kind == "no")):
        # "hacktivists took us down — does the war exclusion knock us out?": "this exclusion will not apply to cyber
        # terrorism" lifts it for what the question is about
        lifted = next((c for c, t in zip(cites, texts) if c.clause_type == "exclusion" and _carves_back(t, subjects, specific)), None)
        if lifted is not None and _where(lifted) in sentence:
            if asks == "exclusion":
                return "no", f"No — the exclusion ({_where(lifted)}) does not apply to this: its carve-back names it."
            return "yes", (f"Yes, as far as the wording says — the exclusion ({_where(lifted)}) does not apply to this: its "
                           "carve-back names it; read the clause below for its terms.")
    return kind, sentence


# "only … Loss which exceeds the greater of $25,000 or Your Retention": the amount a loss must pass before the cover pays
_FLOOR = re.compile(rf"\b(?:exceeds?|exceeding|in excess of|greater than|more than)\s+(?:the greater of\s+)?({_MONEY.pattern})", re.I)


def _below_floor(question: str, cites: Sequence[Citation], texts: Sequence[str]) -> str | None:
    """"We wired $18k to a fake vendor — will they pay any of it?" of a cover for loss "which exceeds the greater of $25,000
    or Your Retention": the sentence saying the loss is below the amount a cited cover or limit starts above, else None
    (the question states no amount, or one at or above it)."""
    told = money_values(question)
    if not told:
        return None
    for c, t in zip(cites[:3], texts[:3]):
        if c.clause_type not in ("coverage", "limit"):
            continue
        m = _FLOOR.search(" ".join(t.split()))
        floor = money_values(m.group(1)) if m else []
        if floor and max(told) < floor[0]:
            return (f"Probably not — the cover pays only loss above {m.group(1)} ({_where(c)}), more than the amount your "
                    "question names.")
    return None


# whether the insurer will take a business on: "can At-Bay even write us?", "could they quote them?", "will they insure a casino?"
_ASKS_TO_WRITE = re.compile(r"\b(?:can|could|will|would|do|does|is|are)\b[^?.]{0,40}?\b(?:write|bind|quote|insure|underwrite|accept|offer "
                            r"(?:us|them|cover|a policy)|take (?:us|them|it) on|put (?:a|the) (?:policy|cover) in place|issue (?:us|them|a policy))\b", re.I)
# "We are not able to bind policies for any company that operates in …", "we do not write …", "ineligible classes: …"
_WONT_WRITE = re.compile(r"\b(?:not able to|unable to|cannot|can ?not|will not|won'?t|do(?:es)? not|may not)\s+(?:bind|write|quote|offer|issue|insure|"
                         r"underwrite|accept|provide (?:coverage|cover|insurance|a policy))\b|\b(?:restricted|ineligible|prohibited) "
                         r"(?:industr(?:y|ies)|class(?:es)?|business(?:es)?|risks?)\b", re.I)


def refusal_named(question: str, text: str, subject: Callable[[str], bool]) -> str | None:
    """For "we run a cannabis delivery app — can At-Bay even write us?": the sentence of `text` saying the insurer will
    not write a business `subject` names ("We are not able to bind policies for any company that operates in one of our
    restricted industries: Gambling, Adult Content or Cannabis"), else None. A form's question about the business
    ("does the form ask whether we sell cannabis?") is not asked whether they write it."""
    if question_asks(question) == "form" or not _ASKS_TO_WRITE.search(question):
        return None
    spans = split_sentences(text)
    for i, (a, b) in enumerate(spans):
        # a sentence ending in a colon goes on in the list after it ("… our restricted industries: Gambling, … Cannabis.")
        end = spans[i + 1][1] if text[a:b].rstrip().endswith(":") and i + 1 < len(spans) else b
        sentence = " ".join(text[a:end].split())
        if _WONT_WRITE.search(text[a:b]) and subject(sentence):
            return sentence
    return None


_TERRITORY_CLAUSE = re.compile(r"territor|jurisdiction|\bbrought (?:with)?in\b|legal action", re.I)
_TERRITORY_EXCLUDING = re.compile(r"\b(?:excluding|except|other than)\b[^.;:]*", re.I)
_TERRITORY_WHERE_BROUGHT = re.compile(r"\bbrought (?:with)?in\b|\b(?:courts?|proceedings?|actions?|suits?) (?:in|of|within)\b", re.I)


def _outside_territory(question: str, cites: Sequence[Citation], texts: Sequence[str]) -> str | None:
    """"A client is suing us in a German court — covered?" of a territory clause reaching only suits "brought within the
    United States … or Canada", or of "World Wide Excluding North America" for a Texas suit: the sentence saying the
    place is outside it, else None (no place named, no territory clause cited, or the place inside it)."""
    asked = places_in(question, regions=False)
    if not asked:
        return None
    for c, t in zip(cites, texts):
        flat = " ".join(t.split())
        if not _TERRITORY_CLAUSE.search(flat):
            continue
        excluded = {p for m in _TERRITORY_EXCLUDING.finditer(flat) for p in places_in(m.group(0), regions=False)}
        listed = places_in(_TERRITORY_EXCLUDING.sub(" ", flat), regions=False)

        def among(place: str, names: set[str]) -> bool:
            return place in names or any(r in names for r in regions_of(place))

        out = [p for p in sorted(asked) if among(p, excluded)]
        if not out and listed and _TERRITORY_WHERE_BROUGHT.search(flat):
            out = [p for p in sorted(asked) if not among(p, listed)]
        if out:
            return (f"Probably not — the territory clause ({_where(c)}) does not reach {', '.join(p.title() for p in out)}; "
                    "read the clause below for where cover applies.")
    return None


# A refusal that sits among the conditions or general provisions ("CONDITIONS > 10. Fraudulent claims", "OTHER
# PROVISIONS > SANCTIONS") is about how the insured behaves or the law, not what the question is about: cited beside a
# cover, it does not make the answer "probably not" the way an exclusion of the subject does.
_IN_CONDITIONS = re.compile(r"^(?:(?!exclu)[^>])*\b(?:conditions?|provisions)\b(?:(?!exclu)[^>])*(?:>|$)", re.I)
_PART_REF = re.compile(r"\b((?i:insuring\s+(?:clause|agreement)s?|sections?))\s+((?:[A-Z]|[IVX]{1,4}|\d{1,2})\b"
                       r"(?:\s*(?:,|or|and|&)\s*(?:[A-Z]|[IVX]{1,4}|\d{1,2})\b)*)")


def _spares_cover(text: str, cover: Citation) -> bool:
    """Whether an exclusion's carve-back names the part of the policy the cover cited belongs to ("this Exclusion will
    not apply to INSURING CLAUSE 5 (SECTION G only)" beside Section G's hardware cover): it does not take that cover
    away. A named section decides over the insuring clause around it."""
    flat = " ".join(text.split())
    refs = [(kind.lower(), i) for m in EXCLUSION_LIFTED.finditer(flat) for kind, ids in _PART_REF.findall(m.group(0))
            for i in re.findall(r"[A-Z]+|\d+", ids)]
    sections = [i for kind, i in refs if kind.startswith("section")]
    if sections:
        return any(re.search(rf"(?i:\bsection)\s+{i}\b", cover.section) for i in sections)
    numbered = re.search(r"(?i)insuring", cover.section) is not None
    return any(re.search(rf"(?i:\binsuring\s+(?:clause|agreement)s?)\s+{i}\b", cover.section)
               or (numbered and re.search(rf"(?:^|[>§])\s*{i}\.", cover.section)) for _, i in refs)


def _carves_back(text: str, subjects: Sequence[Concept], specific: Callable[[tuple[str, ...]], bool]) -> bool:
    """Whether an exclusion's carve-back names a subject the rest of the exclusion does not name by the same words
    ("war … terrorism …; however, this exclusion will not apply to cyber terrorism": cyber terrorism, not war)."""
    flat = " ".join(text.split())
    back = tokens(" ".join(m.group(0) for m in EXCLUSION_LIFTED.finditer(flat)))
    if not back:
        return False
    main = tokens(without_carve_backs(flat))
    return any(specific(p) and contains(back, p) and not contains(main, p) for c in subjects for p in c.policy_phrases)


def _verdict(question: str, cites: Sequence[Citation], texts: Sequence[str], *, controls: Sequence[Control] | None,
             naming_exclusion: Citation | None, reading: Reading, subject: Callable[[str], bool] | None = None) -> tuple[str, str]:
    asks = question_asks(question)
    if asks_if_a_call_is_notice(question):
        call = next((c for c, t in zip(cites, texts) if says_a_call_is_notice(t)), None)
        if call is not None:
            return "yes", f"Yes — the wording says a call to its hotline is notice ({_where(call)})."
        written = next((c for c, t in zip(cites, texts) if wants_written_notice(t)), None)
        if written is not None:
            return "no", f"No — a call is not notice: the wording wants notice in writing, or says a call is not notice ({_where(written)})."
    # the leading clause is a definition (or limit) that leaves the question's subject out of what it covers
    leading_definition_leaves_out = (naming_exclusion is not None and naming_exclusion.clause_type != "exclusion"
                                     and naming_exclusion.chunk_id == cites[0].chunk_id)
    counts_as = _COUNTS_AS.search(question)
    if counts_as and cites[0].clause_type == "definition" and asks in ("coverage", "info", "exclusion"):
        # "does a code emailed to the user pass as proper 2FA?": the definition answers no by a sentence saying what is
        # not within it ("… email-based codes are not a second factor"), sharing words with the question's subject, not
        # with the category it names ("… count as a system failure?" shares "system failure" with every sentence of it)
        out = _sentence_about(question[: counts_as.start()], texts[0], _SAYS_NOT, reading.left_out_shared_words, before_cue=True)
        if out is not None:
            return "no", f"No — the definition ({_where(cites[0])}) says: \"{out}\""
        # … and whether something counts as a defined term is the definition's to say, not an exclusion's beside it
        if leading_definition_leaves_out:
            return "no", f"Probably not — the definition ({_where(cites[0])}) leaves this out."
        return "yes", f"Yes, as far as the definition says ({_where(cites[0])}); read it below for what it includes."
    if asks in ("coverage", "info") and _IS_THERE.search(question) and asks_a_specific_figure(question):
        # "is there an automatic grace window for reporting after it runs out?": yes, and its figure is the answer
        stated = _stated_figure(question, cites, texts, reading, subject)
        if stated is not None:
            return "figure", stated
    kind, sentence = _verdict_top(question, asks, cites, texts, reading, subject)
    if asks == "obligation" and kind != "yes" and _ASKS_LEAVE.search(question):
        # "do we need to ask before paying?" is answered by any cited clause that wants the insurer's consent (a
        # definition "ransom payment made with our prior written consent" included), not only the leading one
        leave = next((c for c, t in zip(cites, texts) if _CONSENT.search(c.quote) or _CONSENT.search(t)), None)
        if leave is not None:
            return "yes", f"Yes — the insurer's consent is needed first ({_where(leave)})."
    if asks == "coverage" and kind in ("yes", "info"):
        # "We never turned on MFA and got hacked — covered?": the wording makes the control a condition, so a
        # loss where it was missing can be refused, whatever the insuring clause says.
        named = controls_asked(question) if controls is None else controls
        cond = next((c for c, t in zip(cites, texts) if c.clause_type == "requirement" and any(k.matches(t) for k in named)), None)
        if cond is not None and any(k.denied_in(question) and k.matches(texts[cites.index(cond)]) for k in named):
            # "nobody rang the supplier to check": the story says the condition was not met
            return "no", (f"Probably not — the policy makes this a condition ({_where(cond)}), and the question says it "
                          "was not in place.")
        # … also where an exclusion, or a definition in what it leaves out, refuses loss without the control ("Fraudulent
        # Instruction will not include loss arising out of fraudulent instructions … not first authenticated …")
        left = next((c for c, t in zip(cites, texts) if (c.clause_type == "exclusion" or (
            c.clause_type == "definition" and LEAVES_OUT.search(t))) and any(k.denied_in(question) and k.matches(t) for k in named)), None)
        if left is not None:
            return "no", (f"Probably not — the wording leaves out loss where this was not done ({_where(left)}), and the "
                          "question says it was not.")
        if cond is not None:
            return "depends", (f"It depends on meeting a condition: the policy requires this ({_where(cond)}), and a loss "
                               "where it was not in place can be refused.")
    if kind == "yes" and asks == "coverage" and _NO_ATTACK_Q.search(question) and not any(_NON_MALICIOUS.search(t) for t in texts[:3]):
        # "Our host's kit just died, nobody hacked us": cover triggered by a breach or attack does not reach a failure
        # without one unless the wording insures such failures (system failure, unintentional or accidental outages).
        return "no", (f"Probably not — the cover cited responds to an attack or breach ({_where(cites[0])}), and the clauses "
                      "cited name no cover for a failure without one (system failure).")
    if asks == "coverage" and kind in ("depends", "info") and leading_definition_leaves_out:
        # "would Hiscox pay back the fees the client wants returned?" led by the Damages definition that leaves "the
        # return … of fees" out: the limit it sets is no answer, what it leaves out is
        return "no", f"Probably not — the definition ({_where(cites[0])}) leaves this out of what is paid."
    if kind == "yes" and asks == "coverage":
        excl = next((c for c, t in zip(cites[1:], texts[1:]) if c.clause_type == "exclusion" and not _spares_cover(t, cites[0])
                     and not _IN_CONDITIONS.search(c.section)), None)
        if excl is None and naming_exclusion is not None and not _IN_CONDITIONS.search(naming_exclusion.section) and not _spares_cover(
                texts[cites.index(naming_exclusion)] if naming_exclusion in cites else naming_exclusion.quote, cites[0]):
            excl = naming_exclusion
        if excl is not None and subject is not None and subject(texts[0]) and not subject(
                texts[cites.index(excl)] if excl in cites else excl.quote):
            # "crypto miner spiked our power + AWS bill — CFC?": the cover that names the peril asked about by name
            # ("cryptojacking") answers; an exclusion beside it that does not name it ("failure … in the supply of
            # utilities") is about something else the story mentions
            excl = None
        if excl is not None and _UNLESS_INSURABLE.search(" ".join(texts[cites.index(excl)].split()) if excl in cites else excl.quote):
            # "fines … unless insurable by law": the usual fines exclusion leaves them covered where the law allows
            return "depends", (f"It depends on the law that applies: {_where(cites[0])} provides cover, and the exclusion "
                               f"({_where(excl)}) leaves it in place only where the law allows it to be insured.")
        if excl is not None and excl.clause_type != "exclusion":
            return "no", (f"Probably not — the definition ({_where(excl)}) leaves this out of what is paid, although "
                          f"{_where(cites[0])} provides related cover.")
        if excl is not None:
            return "no", (f"Probably not — an exclusion applies ({_where(excl)}), although {_where(cites[0])} "
                          "provides related cover; check any carve-back in the exclusion.")
    return kind, sentence


# "Damages shall not include …", "this Policy does not cover …": a wording that leaves something out of what is paid
LEAVES_OUT = re.compile(r"\b(?:does|do|shall|will) not (?:include|mean|encompass|cover|apply to)\b", re.I)
_IS_THERE = re.compile(r"\b(?:is|are) there (?:an? |any |some )", re.I)
_COUNTS_AS = re.compile(r"\b(?:count|counts|counted|pass|passes|qualif(?:y|ies)|treat|treats|treated|considered|classed|classified)\s+as\b|"
                        # "does that tick the box for the MFA rule?", "is that good enough for their 2FA requirement?"
                        r"\bticks? (?:the|that|this|our) box(?:es)? (?:for|on)\b|\bgood enough (?:for|as)\b|"
                        # "does that satisfy the 2FA condition?", "covered as a systems failure?"
                        r"\b(?:satisf(?:y|ies)|meets?|fulfil+s?) (?:the|that|this|their|our|its|your) (?:[\w-]+ ){0,3}"
                        r"(?:conditions?|requirements?|rules?|definitions?|standards?)\b|\b(?:covered|insured) as (?:an? )?(?=\w)|"
                        # "does that satisfy the insurer?"
                        r"\b(?:satisf(?:y|ies)|good enough for) (?:the|our|their) (?:insurers?|carriers?|underwriters?)\b", re.I)
_SAYS_NOT = re.compile(r"\b(?:not|no|never|neither|nor)\b|\bexclud\w*", re.I)


def _sentence_about(question: str, text: str, cue: re.Pattern[str], least: int, *, before_cue: bool = False) -> str | None:
    """The first sentence of `text` (white space collapsed) with `cue` that shares `least` words with the question,
    counted before the cue when `before_cue` (what "… email-based codes are not a second factor" leaves out is named
    before its "not"); None when there is none."""
    asked = set(tokens(question))
    meant: set[str] | None = None  # the wording's words for the lay words asked, read when first needed
    for start, end in split_sentences(text):
        sentence = " ".join(text[start:end].split())
        m = cue.search(sentence)
        if not m:
            continue
        # "… does not include failure of any hardware declared end-of-life": what is left out follows the cue
        left = LEAVES_OUT.search(sentence) if before_cue else None
        named = sentence[left.end():] if left else sentence[: m.start()] if before_cue else sentence
        words = set(tokens(named))
        shared = asked & words
        if len(shared) >= least:
            return sentence
        if shared:
            # the wording's words for the lay words asked count too ("a code sent to their gmail" and "email-based
            # codes"), beside one word the sentence shares as the question says it
            if meant is None:
                meant = {t for c, _ in concepts_in(question) for t in c.policy_stems}
            if len(shared | (meant & words)) >= least:
                return sentence
    return None


def _stated_figure(question: str, cites: Sequence[Citation], texts: Sequence[str], reading: Reading,
                   subject: Callable[[str], bool] | None = None) -> str | None:
    """The figure line of the best-ranked of the first three cited clauses stating the asked figure next to its role's
    words, None when none does."""
    for c, t in zip(cites[:3], texts[:3]):
        fig = pick_figure(question, c.quote, True, reading, subject) or pick_figure(question, t, True, reading, subject)
        if fig:
            return _figure_line(fig, c, t)
    return None


def _verdict_top(question: str, asks: str, cites: Sequence[Citation], texts: Sequence[str], reading: Reading,
                 subject: Callable[[str], bool] | None = None) -> tuple[str, str]:
    top, text = cites[0], texts[0]
    where = _where(top)
    ctype = top.clause_type
    consent = bool(_CONSENT.search(top.quote) or _CONSENT.search(text))
    if asks == "form":
        if _FORM_QUESTION.search(top.quote) or _FORM_QUESTION.search(text[:300]):
            return "yes", f"Yes — the application asks this ({where})."
        asks = "info"
    if asks == "figure":
        # The figure of the role asked for, from the best-ranked cited clause that states one next to its role's
        # words (a run-off clause's take-up window is often a clause apart from how long the cover lasts) …
        stated = _stated_figure(question, cites, texts, reading, subject)
        if stated is not None:
            return "figure", stated
        # … else any figure of the best clause, or of the best one naming what the question names by name when the best
        # does not ("for how long will they fund credit monitoring?": not the 72 hours of the response service above it)
        for c, t in zip(cites[1:3], texts[1:3]) if subject is not None and not subject(text) else ():
            fig = subject(t) and (pick_figure(question, c.quote, reading=reading, subject=subject)
                                  or pick_figure(question, t, reading=reading, subject=subject))
            if fig:
                return "figure", _figure_line(fig, c, t)
        fig = pick_figure(question, top.quote, reading=reading, subject=subject) or pick_figure(question, text, reading=reading, subject=subject)
        if fig:
            return "figure", _figure_line(fig, top, text)
        if _ASAP.search(text):
            return "figure", f"As soon as practicable — the wording sets no fixed number of days ({where})."
        if _defers(question, text):
            return "depends", f"It depends on your Declarations: the wording refers the amount to them ({where})."
        # … else a figure, or a reference to the Declarations, in the next cited clauses (the leading clause may be
        # the cover the figure applies to, the figure a clause apart)
        for c, t in zip(cites[1:3], texts[1:3]):
            fig = pick_figure(question, c.quote, reading=reading, subject=subject) or pick_figure(question, t, reading=reading, subject=subject)
            if fig:
                return "figure", _figure_line(fig, c, t)
        for c, t in zip(cites[1:3], texts[1:3]):
            if _defers(question, t):
                return "depends", f"It depends on your Declarations: the wording refers the amount to them ({_where(c)})."
        role = _role_asked(question)
        if role is not None and role.generic and ctype in ("coverage", "limit"):
            # "what's the most they pay for ransomware?" of a wording that names the cover but no amount: its limit is
            # the one the Declarations give it
            return "depends", (f"It depends on your Declarations: the wording states no amount for this cover ({where}); "
                               "its limit is the one your Declarations give.")
        return "info", f"The wording addresses this without a figure ({where})."
    if asks == "insurer_right":
        flat = " ".join(text.split())
        if _INSURER_MAY_NOT.search(flat) or (_NONPAYMENT.search(flat) and not _asks_nonpayment(question) and re.search(r"cancel|terminat", flat, re.I)):
            return "no", (f"No — the wording limits what the insurer may do here ({where}); read the clause for the exceptions "
                          "(often non-payment of premium).")
        if _INSURER_MAY.search(flat):
            return "yes", f"Yes — the wording gives the insurer that right ({where}); read the clause for its conditions."
        asks = "info"
    if asks == "exclusion":
        if ctype == "exclusion":
            return "yes", f"Yes — it is excluded ({where}); check the carve-backs in the clause."
        if ctype == "coverage":
            return "no", f"No exclusion found for this; it is covered under {where}, subject to the terms below."
    if asks == "permission":
        if consent:
            return "no", f"Not on your own — the policy requires the insurer's consent or its panel ({where})."
        # "can we pick our own response firm?": a cited clause wanting consent or the panel answers it before a leading
        # requirement about something else (keeping an incident response plan)
        other = next((c for c, t in zip(cites[1:3], texts[1:3]) if _CONSENT.search(c.quote) or _CONSENT.search(t)), None)
        if other is not None and ctype != "exclusion":
            return "no", f"Not on your own — the policy requires the insurer's consent or its panel ({_where(other)})."
        if ctype == "requirement":
            return "no", f"No — the policy sets a requirement here; falling short of it can put a claim at risk ({where})."
        if ctype == "exclusion":
            return "no", f"No — an exclusion applies ({where})."
        # The wording neither asks for consent nor grants the right: claims handling is the insurer's to control
        # (cooperation, consent, panels), so a right the wording does not give is not assumed.
        return "no", (f"Not on your own, as far as the wording says: it gives no right to do this without the insurer "
                      f"({where}); ask the insurer first.")
    if asks == "obligation":
        if ctype in ("requirement", "notice") or consent:
            return "yes", f"Yes — the policy requires it ({where})."
        if ctype == "exclusion":
            return "yes", f"Effectively yes — without it an exclusion applies ({where})."
        # a cover makes "must we …?" depend on its conditions, unless the quote or a sentence of it binds the insured to
        # what the question names ("for the injury cover to work, do we need general liability?" of "As a condition to
        # coverage … You shall maintain … a Comprehensive General Liability policy")
        if ctype == "coverage" and not _BINDS_INSURED.search(" ".join(top.quote.split())) and _sentence_about(
                question, text, _BINDS_INSURED, reading.binding_shared_words) is None:
            return "depends", f"The policy covers this subject to its conditions ({where}); see the clauses below."
        if _BINDS_INSURED.search(" ".join(top.quote.split())) or _BINDS_INSURED.search(" ".join(text[:600].split())):
            # "do we have to mediate before we can sue them?" of "Any dispute … will first be submitted to non-binding
            # mediation": a clause that binds the insured answers yes, whatever heading it sits under
            return "yes", f"Yes — the wording requires it ({where})."
    discretion = ctype != "exclusion" and bool(_DISCRETION.search(top.quote))
    if asks == "coverage" and discretion:
        return "depends", f"It depends: the wording leaves this to the insurer's discretion ({where})."
    if asks in ("coverage", "obligation", "exclusion"):
        if ctype == "exclusion" or _NEGATED.search(top.quote):
            return "no", f"No — it is excluded ({where}); check any carve-back in the clause."
        if ctype == "coverage":
            return "yes", f"Yes — covered under {where}, subject to the limits, exclusions and conditions below."
        if ctype == "limit":
            fig = pick_figure(question, top.quote, reading=reading)
            if _DEFERS.search(text) and not fig:
                return "depends", f"Covered up to a limit stated in your Declarations ({where})."
            return "yes", f"Yes, up to a limit ({where})" + (f": {fig}." if fig else ".")
        if ctype in ("requirement", "notice") or consent:
            return "depends", f"It depends on meeting a condition ({where})."
    if asks == "coverage" and not _NEGATED.search(text[:400]):
        # A clause that defines or lists what the question asks about, with nothing excluding it, answers "yes".
        return "yes", f"Yes — the policy provides for this ({where}); see the clause below for its terms."
    if _POLAR.search(question):
        # A yes-or-no question the patterns above did not place ("does the tech policy respond?", "is that enough?")
        # still gets the answer the leading clause's kind gives, said as a reading to check, not "see the clause".
        if ctype == "exclusion" or _NEGATED.search(top.quote):
            return "no", f"Probably not — the leading clause excludes or refuses it ({where}); check any carve-back."
        if ctype in ("requirement", "notice") or consent:
            return "depends", f"It depends on meeting a condition ({where})."
        if discretion:
            return "depends", f"It depends: the wording leaves this to the insurer's discretion ({where})."
        return "yes", f"Yes, as far as the wording says ({where}); read the clause below for its terms."
    if ctype == "definition":
        return "info", f"The policy defines this ({where})."
    return "info", f"The policy addresses this in {where}."
