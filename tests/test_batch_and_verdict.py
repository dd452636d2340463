"""Batch questions, multi-part splitting, the policy resolver and the verdict's reading of a question."""
import json

import pytest
from typer.testing import CliRunner

from bot.batch import read_batch
from bot.cli import app
from bot.pipeline import split_parts
from bot.types import Citation
from bot.verdict import Reading, pick_figure, question_asks, verdict
from bot.vocabulary import concepts_in, load_vocabulary

runner = CliRunner()


@pytest.mark.parametrize("question, kind", [
    ("How quickly must we tell the insurer?", "figure"),
    # a figure the form asks about is a figure; an allowance is an amount
    ("(a) how far back do they ask about past incidents and claims", "figure"),
    ("does the application ask about MFA?", "form"),
    ("One of our engineers has to give evidence at the hearing. Is there a daily allowance for their time?", "figure"),
    # a story ending in just the policy's name asks whether it covers what happened
    ("found cryptominers on our build boxes, utility bill went through the roof. embroker?", "coverage"),
    ("does PHLY expect us to get the cops or federal agents involved?", "obligation"),
    ("if we lose money to cyber crooks, does CFC need us to file a police report?", "obligation"),
    # the insurer replacing what was lost is cover; our replacing it is leave or a duty
    ("malware corrupted the firmware on 12 workstations and they won't even boot. will coalition replace them?", "coverage"),
    ("can we replace the laptops ourselves?", "permission"),
    ("do we have to replace them?", "obligation"),
    # a deadline asked in everyday words
    ("for PHLY: what's the hard stop for telling them", "figure"),
    ("a client claim landed 2 weeks before our renewal — latest we can report it?", "figure"),
    ("If they get sued and hand it to us, does the Corvus tech E&O endorsement pick that up?", "coverage"),
    ("the new firewall costs 20% more than a like-for-like fix. Can that extra be claimed under Coalition?", "coverage"),
    ("Our IT team worked all week on the clean-up. Can we put their regular pay into the claim?", "coverage"),
    ("what's our deductible per claim", "figure"),
    # the insurer paying, asked other ways
    ("If a wiper attack attributed to a foreign government trashes our network, do we at least still get CFC's incident "
     "response help?", "coverage"),
    ("An EU regulator has opened a probe. Does the Embroker cyber part treat that as something it will defend?", "coverage"),
    ("a contractor dug through the street fibre and we were offline two days - no attack. BI under axa xl?", "coverage"),
    ("new sign-ups have fallen off a cliff since the breach story. anything in CFC for the revenue we're not getting?", "coverage"),
    ("what is the retention under the policy?", "figure"),
    # the insurer's duty to defend is cover, ours is an obligation
    ("client's lawsuit against us is total nonsense. does hiscox still have to fight it for us?", "coverage"),
    ("do we have to defend ourselves?", "obligation"),
    ("a startup we hold a 20% stake in is suing us - will corvus defend?", "coverage"),
    ("longest coalition will pay lost profits for a single outage?", "figure"),
    ("for the downtime claim, when do the numbers have to be in", "figure"),
    ("finance wants to budget: what do we pay ourselves on each client suit before they step in?", "figure"),
    # whether an exclusion bites, asked in everyday words
    ("We got hit as collateral damage by a wiper a foreign military used. Does PHLY's war wording still knock us out?", "exclusion"),
    ("the crew behind our breach works for a foreign intelligence service. does that automatically sink the claim?", "exclusion"),
    # a rate asked after a story of what they "have to" do
    ("two of our devs have to appear in court for a client dispute. what do we get per day for their time?", "figure"),
    ("Can we use our own forensics company?", "permission"),
    ("can we pay the ransom w/o checking with them first if the deadline is tonight", "permission"),
    ("who can dig into how the attackers got in? need names of firms", "coverage"),
    ("Who can talk to the criminals for us?", "coverage"),
    ("who is the insurer on this?", "info"),
    ("Can we find out what the deadline for notice is?", "figure"),
    ("do we have to have MFA on email", "obligation"),
    ("is a state-backed attack excluded?", "exclusion"),
    # whether something counts against cover, asked the way people do: yes is the bad news, as for "is it excluded?"
    ("the hackers were in our network since before we bought this policy - problem?", "exclusion"),
    ("does that matter for the claim?", "exclusion"),
    ("will being late with notice affect our claim?", "exclusion"),
    ("will they pay to get our data back?", "coverage"),
    # the insurer paying, said other ways; a deadline asked as a cut-off; "are we still ok" as permission
    ("if the client sues, will the insurer step in?", "coverage"),
    ("a client is suing over leaked records. Would Hiscox defend that?", "coverage"),
    ("does the policy stand behind us if they call on the indemnity?", "coverage"),
    ("what's the hard cut-off for telling the insurer?", "figure"),
    ("r we still ok if IT is 5 weeks behind on updates?", "permission"),
    ("are we still covered if we're late?", "coverage"),
    # "can we claim it back" asks whether the policy pays; "our own" is a permission only as "use our own …"
    ("we paid 40k for the key. can we claim that back?", "coverage"),
    # "what share / percentage / amount …" asks for a figure however far the role word comes after it
    ("What share of a ransomware loss do we bear ourselves (coinsurance)?", "figure"),
    ("what percentage of a ransom do we carry?", "figure"),
    # Slack shorthand for "is it covered / are we allowed"
    ("anything for a rogue employee stealing data?", "coverage"),
    ("where do we stand if the MSP caused it?", "coverage"),
    ("we good if backups were a week old?", "permission"),
    ("the UPS in our own server room died - does that count as a covered event?", "coverage"),
    ("above what dollar amount do they want past incidents disclosed?", "figure"),
    ("A UK customer sued us in London. Does Hiscox defend a case brought over there?", "coverage"),
    # a price asked the other way round, and a cap called a ceiling
    ("is the tail free?", "figure"),
    ("what's the ceiling on it?", "figure"),
    ("whats the absolute latest we can send the written notice?", "figure"),
    ("The grid went down for a day. Any chance of them covering the lost business?", "coverage"),
    # a time asked as a window or a last date; a price asked as its maximum; what the insurer expects; whether it responds
    ("under last year's wording what was the window for getting vendor-critical fixes onto servers?", "figure"),
    ("we found the breach two weeks before expiry. what's the last possible date to notify them?", "figure"),
    ("max price for a 3-yr tail?", "figure"),
    ("do they expect fake-phish campaigns for staff?", "obligation"),
    ("for the prior-losses question: what size of incident counts?", "figure"),
    ("Above what number of people's records does the At-Bay form want a headcount?", "figure"),
    ("does the endorsement itself set a number of days for letting them know?", "figure"),
    # "without extra premium" is whether it is covered, not what it costs
    ("we bought a small shop. is it covered through to expiry without extra premium?", "coverage"),
    ("does their crime section respond?", "coverage"),
    # "how quick" is "how quickly"; "what chunk of" a share; a rate asked after a yes-or-no question is still a figure
    ("how quick do we have to roll out the really urgent OS fixes?", "figure"),
    ("if we cancel halfway through the year, what chunk of what we paid is never refunded?", "figure"),
    ("Does the insurer compensate her lost time in court, and at what daily rate?", "figure"),
])
def test_question_asks_what_kind_of_answer(question, kind):
    assert question_asks(question) == kind

def test_figure_chosen_by_role_not_first_in_clause():
    clause = ("The Retention is $25,000 each Claim. The Insured shall bear 30% of all Cyber Extortion Loss. "
              "The Waiting Period is 12 hours.")
    assert pick_figure("what's our deductible?", clause) == "$25,000"
    assert pick_figure("what share of a ransom loss do we carry (coinsurance)?", clause) == "30%"
    assert pick_figure("how many hours of downtime before they pay, the waiting period?", clause) == "12 hours"
    assert pick_figure("how long does an outage have to run before lost income is payable?", clause) == "12 hours"
    assert pick_figure("if the network is down how long before the downtime money starts?", clause + " Restoration: 120 days.") == "12 hours"
    # how long a cover keeps paying is its own period, not a deadline for reporting
    response = ("We will pay breach response costs that the Insured Company incurs for a continuous eighteen (18) month period "
                "resulting from a data breach first discovered and reported to us during the Policy Period.")
    assert pick_figure("for how long after we report a breach will they keep paying for the letters and call centre?", response) == "eighteen (18) month"
    assert pick_figure("what slice of a ransom payout is on us?", clause) == "30%"
    # "what's the number of records that…" asks a count, not a phone number
    past = "Within 120 days of the request. In the last three (3) years, has the Applicant had incidents in excess of $10,000?"
    assert pick_figure("above what dollar amount do they want past incidents disclosed?", past) == "$10,000"
    form = "Call 1-800-555-0100 with questions. Do you hold personal information of more than 500,000 individuals?"
    assert pick_figure("What's the number of personal records that triggers the extra question?", form) != "1-800-555-0100"
    # "the max number of days of lost profit" asks how long income is paid: a period, not the money limit, and not the
    # twelve months of trading results looked back on to work the loss out
    asked = "what's the max number of days of lost profit they'll cover?"
    lookback = "based on the net profit during the previous twelve months immediately prior to the Network Security Event, up to $100,000"
    assert pick_figure(asked, lookback) is None
    restoration = "Period of Restoration means the period of time, up to a maximum of one hundred and eighty (180) days, that starts when the Waiting Period ends."
    assert pick_figure(asked, restoration) == "one hundred and eighty (180) days"


_RUN_OFF = ("If you would like to purchase the optional extended reporting period you must notify us and pay the premium "
            "within 30 days of cancellation or non-renewal. The premium is 225% of the annual premium. An extended "
            "reporting period of 60 days following the expiry date will be automatically granted at no additional premium.")


@pytest.mark.parametrize("question, figure", [
    # run-off cover has two periods: the window for taking it up, and how long it lasts
    ("how long do we have to decide whether to buy the run-off cover?", "30 days"),
    ("How long do we have to buy the extended reporting period?", "30 days"),
    ("If we don't renew, how long after the end date can we still report something?", "60 days"),
    ("how long does the free tail last?", "60 days"),
    ("what's the max they can charge for the run-off?", "225%"),  # a price, said as a charge
    ("(2) how long do we have to elect and pay?", "30 days"),  # electing is taking the option up
])
def test_run_off_figures_by_role(question, figure):
    assert pick_figure(question, _RUN_OFF) == figure


def test_a_figure_is_chosen_by_its_gap_to_the_role_words_not_their_start():
    # the period's long name ends right before it; the request window sits just before "after the end"
    clause = ("If this Policy is cancelled or not renewed, the Named Insured may buy an extended reporting period of 12 months "
              "for an additional premium of 100% of the annual premium, by requesting it within 30 days after the end of the "
              "Policy Period.")
    assert pick_figure("(a) how long a run-off reporting window can we buy", clause) == "12 months"
    # a later part asking how long we have to ask for "it" (the run-off the first part named) wants the request window;
    # how long we can buy it for is how long it lasts
    assert pick_figure("(c) how long do we have to ask for it?", clause) == "30 days"
    assert pick_figure("3) deadline to ask for it?", clause) == "30 days"
    assert pick_figure("how long can we buy it for?", clause) == "12 months"


def test_what_we_wear_ourselves_is_the_retention_and_deciding_after_leaving_is_the_election_window():
    clause = "Retention: $50,000 each claim. Limit of liability: $500,000 in the aggregate."
    assert pick_figure("How much do we wear ourselves before it pays on this kind of thing?", clause) == "$50,000"
    assert pick_figure("how long after we leave do we have to decide?", _RUN_OFF) == "30 days"


def test_a_definition_saying_what_is_not_within_it_answers_does_x_count_as_y():
    mfa = ("Multi-Factor Authentication means a login that requires a password and a second factor, such as a code from an "
           "authenticator app or a hardware token. A second password, security questions and email-based codes are not a "
           "second factor.")
    d = _cite("definition", mfa)
    q = "our o365 sign-in is password + a one-time code that gets sent to the user's gmail. that counts as proper 2FA doesn't it?"
    kind, sentence = verdict(q, [d], [mfa])
    assert kind == "no" and "email-based codes are not a second factor" in sentence, sentence
    # the mailbox named by its provider or as an inbox is the definition's "email" (bot/data/vocabulary.yaml), beside
    # "code", which the sentence shares as the question says it; "satisfy the insurer" asks the same
    q = "our webmail 2FA just fires a one-time code to each user's personal inbox. does that tick the box for the MFA rule?"
    kind, sentence = verdict(q, [d], [mfa])
    assert kind == "no" and "email-based codes are not a second factor" in sentence, sentence
    q = "Our login sends a one-time code to the person's mailbox as the second step. Does that satisfy the insurer?"
    assert verdict(q, [d], [mfa])[0] == "no"
    # what the definition does not set apart is read as before
    assert verdict("does a hardware token count as a second factor?", [d], [mfa])[0] != "no"
    # "satisfy the … condition" and "covered as a …" ask the same
    q = "our VPN emails a one-time code to the user as the second step at login. does that satisfy the 2FA condition?"
    assert verdict(q, [d], [mfa])[0] == "no"
    # the words shared must be the subject's, not the category's: "system failure" is in every sentence of its definition
    sf = ("System Failure means unintentional and unplanned outage of Your Computer System, including outage caused by Your "
          "human error, that is not caused by a Network Security Event.")
    q = "an admin fat-fingered a firewall rule and took prod down for 10h. does that count as a system failure for BI?"
    assert verdict(q, [_cite("definition", sf)], [sf])[0] == "yes"
    # what a definition "does not include" is named after those words
    eol = ("System Failure means an unplanned outage of Your Computer System. System Failure does not include failure of "
           "any computer hardware that has been declared as end-of-life by the original equipment manufacturer.")
    q = "our SAN was past its end-of-life date from the manufacturer and just died. covered as a system failure?"
    kind, sentence = verdict(q, [_cite("definition", eol)], [eol])
    assert kind == "no" and "declared as end-of-life" in sentence, sentence
    # whether it counts as the defined term is the definition's to say, not an exclusion's cited beside it
    pii = "Personally identifiable information means any animal's name in combination with other veterinary records."
    excl = "R. Any claim arising out of the intentional unlawful collection of personally identifiable information."
    q = "if pet owner + animal treatment records leak, does that count as protected personal info under PHLY?"
    assert verdict(q, [_cite("definition", pii), _next_cite("III. EXCLUSIONS > R", 18, "exclusion", excl)], [pii, excl])[0] == "yes"


def test_an_obligation_stated_inside_an_insuring_clause_answers_must_we():
    text = ("We will reimburse you for extortion monies resulting from a credible threat. You must make every reasonable "
            "effort to notify the local law enforcement authorities before surrendering any extortion monies.")
    cite = _cite("coverage", "You must make every reasonable effort to notify the local law enforcement authorities before "
                             "surrendering any extortion monies.")
    assert verdict("do we need to get the cops involved before paying?", [cite], [text]) == (
        "yes", "Yes — the wording requires it (VII. CONDITIONS §C, p. 10).")
    cover = _cite("coverage", "We will reimburse you for extortion monies resulting from a credible threat.")
    assert verdict("do we need to get the cops involved before paying?", [cover], [text])[0] == "depends"
    # a binding sentence of the clause about what the question names answers it, though another sentence is quoted
    gl = ("We shall pay Damages arising from Bodily Injury caused by Your products. As a condition to coverage afforded under "
          "this Insuring Agreement, You shall maintain in full force a Comprehensive General Liability policy.")
    lead = _cite("coverage", "We shall pay Damages arising from Bodily Injury caused by Your products.")
    assert verdict("For the injury cover to work, do we need to be carrying a separate general liability policy?", [lead], [gl])[0] == "yes"
    assert verdict("do we need to get the cops involved before paying?", [lead], [gl])[0] == "depends"


def test_a_role_word_inside_the_figure_does_not_place_it():
    # "months" of "6 months" is no restoration word: the proof-of-loss deadline is not how long lost profit is paid
    notice = ("All loss described in this paragraph must be reported, and all proofs of loss must be provided, to the "
              "Underwriters no later than 6 months after the end of the Policy Period.")
    asked = "beazley BI - max number of days of lost profit they'll cover once an outage starts?"
    assert pick_figure(asked, notice, strict=True) is None
    assert pick_figure(asked, "Period of Restoration means the 180 days that begin upon the interruption.", strict=True) == "180 days"
    assert pick_figure("whats the longest stretch of lost income they'd cover after an outage?",
                       "However, in no event will the indemnity period exceed 365 days.", strict=True) == "365 days"
    # "during the thirty (30) days after" states the stretch paid; "during the policy period and up to 12 months
    # following our receipt of any proof of loss" is an audit window
    press = "We shall pay Reputational Harm during the thirty (30) days after an Adverse Media Report."
    assert pick_figure("how long is lost profit covered for after the bad press?", press, strict=True) == "thirty (30) days"
    audit = ("you agree to allow us to examine and audit your books at any time during the policy period and up to 12 months "
             "following our receipt of any proof of loss.")
    assert pick_figure("whats the longest stretch of lost income they'd cover after an outage?", audit, strict=True) is None
    # a signed write-up of lost profits is the proof of loss
    proof = ("you must complete and sign a written, detailed, and affirmed proof of loss within 90 days after your discovery. "
             "We may audit your books up to 12 months following our receipt of any proof of loss.")
    assert pick_figure("How long do we have after spotting the outage to get a signed, detailed write-up of our lost profits "
                       "over to them?", proof) == "90 days"
    # a percentage of the retention is a threshold, not the share of the loss asked for
    hammer = ("The Insured may settle any Claim where the Damages do not exceed 50% of the Retention. If the Insured refuses "
              "a settlement, the Underwriters pay sixty percent (60%) of any Claims Expenses incurred after that date.")
    assert pick_figure("What share of the later defence bills would they still pick up?", hammer, strict=True) == "60%"
    # a frequency is its own role words
    assert pick_figure("how often must we test restores?", "test the restoration of backups at least once every six months",
                       strict=True) == "at least once every six months"


def test_the_longest_or_dearest_of_a_list_of_options():
    clause = ("the named insured will have the right to purchase an Optional Extended Reporting Period for a period of "
              "either: a. one year for an additional premium of 100% of the total annual premium; b. two years for an "
              "additional premium of 150% of the total annual premium; c. five years for an additional premium of 250% of "
              "the total annual premium. The right must be exercised no later than ninety (90) days following the "
              "cancellation or non-renewal date.")
    assert pick_figure("what's the longest run-off reporting period we can buy", clause) == "five years"
    assert pick_figure("whats the most the tail can cost", clause) == "250%"
    assert pick_figure("how long do we have to buy the run-off", clause) == "ninety (90) days"
    # the option for the length the question names, in its own units: 24 months is "two years"
    assert pick_figure("what would 24 months of run-off cost us?", clause) == "150%"
    assert pick_figure("what does a 1 year tail cost?", clause) == "100%"
    # a list item for another length states no figure for it (the 36-month option is in another item)
    item = "d. four years for an additional premium of 225% of the total annual premium; or"
    assert pick_figure("what would 36 months of run-off cost us?", item, strict=True) is None
    assert pick_figure("what would four years of run-off cost us?", item, strict=True) == "225%"
    # two figures are not a list of options, and "highest-severity" describes the fix, not the figure
    patch = "Critical patches within 14 days. Other patches within 90 days."
    assert pick_figure("how quickly must the highest-severity fixes go in?", patch) == "14 days"
    # the number of figures that makes a list is a setting: asking for four leaves the first figure of the role
    assert pick_figure("what's the longest run-off reporting period we can buy", clause,
                       reading=Reading(list_min_options=4)) != "five years"


def test_reading_settings_come_from_the_tuning_file(tmp_path):
    from bot.pipeline import DEFAULT_TUNING, load_tuning
    f = tmp_path / "tuning.yaml"
    f.write_text("answer_threshold: 0.4\nreading:\n  strict_near_chars: 20\n  binding_shared_words: 5\n", encoding="utf-8")
    t = load_tuning(f)
    assert (t.answer_threshold, t.reading.strict_near_chars, t.reading.binding_shared_words) == (0.4, 20, 5)
    assert t.reading.list_min_options == Reading().list_min_options
    assert DEFAULT_TUNING.reading == Reading()  # the shipped file keeps the documented defaults
    clause = "The Waiting Period for Business Interruption Loss under this Policy is twelve (12) hours."
    q = "how many hours before the cover kicks in?"
    assert pick_figure(q, clause, strict=True) == "twelve (12) hours"
    # near enough within 80 characters, not within 20: the role's words start 67 characters before the figure
    assert pick_figure(q, clause, True, t.reading) is None


_TAIL = ("The additional premium for the Optional Extended Reporting Period shall not exceed 200% of the annualized "
         "expiring premium and must be paid within 30 days of the end of the Policy Period.")


_PATCH = ("C. Patching. The Insured shall apply security patches rated critical by the vendor within 14 days of their release, "
          "and all other security patches within 90 days, on all internet-facing systems and endpoints.")


@pytest.mark.parametrize("question, clause, figure", [
    ("if we want 3 extra years to report late suits, what's the price ceiling?", _TAIL, "200%"),
    ("for the run-off option, what's the ceiling on what it costs?", _TAIL, "200%"),
    ("how many hours do we have to be knocked offline before anything is owed?",
     "Waiting Period: 12 hours for Business Interruption Loss. Period of Restoration: 120 days.", "12 hours"),
    ("what's the cutoff for getting our numbers and supporting documents to them?",
     "The Insured shall provide a proof of loss no later than 6 months after the end of the Policy Period; we will pay the "
     "costs of an accountant to prepare it, not to exceed USD 50,000.", "6 months"),
    ("what's the outside limit for getting the formal heads-up to them on paper?",
     "The Insured shall give written notice as soon as practicable and in no event later than 30 days after discovery. The "
     "Limit of Liability is $2,000,000.", "30 days"),
    ("how long do we get to push out the really severe vendor fixes?", _PATCH, "14 days"),
    ("what's the minimum we eat before they pay on a social engineering loss?",
     "We shall pay Social Engineering Loss up to $250,000 which exceeds the greater of $25,000 or Your Retention.", "$25,000"),
    ("how fast did we have to get the vendor's top-severity fixes onto internet-facing boxes?", _PATCH, "14 days"),
    ("how fast must we tell them about an unpatched server being hacked?",
     "The Insured shall give written notice within 30 days. " + _PATCH, "30 days"),
    ("once we report a breach, for how long do the response costs stay covered?",
     "We will pay the costs the Insured incurs for a continuous eighteen (18) month period resulting from a breach. The "
     "Insured shall provide the Insurer proof of loss with full particulars within three (3) months.", "eighteen (18) month"),
    ("how long does an outage have to run before downtime losses get picked up?",
     "Waiting Period: 12 hours for Business Interruption Loss. Period of Restoration: 120 days.", "12 hours"),
    ("under this one, how long till lost-profit cover starts?",
     "The Waiting Period is 12 hours. We will pay Business Interruption Loss during the Period of Restoration of 120 days.",
     "12 hours"),
])
def test_figures_asked_in_everyday_words(question, clause, figure):
    assert pick_figure(question, clause) == figure


def test_is_there_a_figure_of_its_own_is_answered_with_the_figure():
    erp = "An extended reporting period of 60 days following the expiry date will be automatically granted at no additional premium."
    kind, summary = verdict("After the policy runs out, is there some automatic grace window at no extra charge for reporting "
                            "things we found during the year?", [_cite("other", erp)], [erp])
    assert (kind, summary) == ("figure", "60 days (VII. CONDITIONS §C, p. 10).")
    # a cover asked about with "is there" is still a yes or no
    cover = "We will pay Court Attendance Costs incurred by the Insured."
    assert verdict("is there anything for our staff's time in court?", [_cite("coverage", cover)], [cover])[0] == "yes"


def test_a_rate_is_the_amount_stated_per_unit_of_time():
    clause = ("Court Attendance Costs means an allowance of $500 per day for any Insured who attends a court hearing at our "
              "request, subject to a maximum of $10,000 for any one Claim.")
    assert pick_figure("what do we get per day for their time?", clause) == "$500 per day"
    assert pick_figure("is there a daily allowance when our engineers attend the hearing?", clause) == "$500 per day"
    # "any per-diem?" asks the rate, not whether there is one
    assert question_asks("our dev lead has to give evidence for a week. any per-diem?") == "figure"
    assert pick_figure("our dev lead has to give evidence for a week. any per-diem?", clause) == "$500 per day"
    assert pick_figure("what's the most we get for attending court on one claim?", clause) == "$10,000"


def test_passing_a_demand_on_to_the_insurer_is_giving_notice():
    """"How long do we have to pass it on?" of a demand letter asks the notice deadline, not another period of the
    clause (here the insurer's right to audit the books, which runs three years)."""
    clause = ("We may examine and audit Your books and records at any time up to three years after the end of the Policy "
              "Period. You must give Us written notice of any Claim as soon as possible, but in no event later than 60 days "
              "after the end of the Policy Period.")
    assert pick_figure("a client sent us a demand letter. how long after the term do we have to pass it on?", clause, True) == "60 days"
    assert pick_figure("by when do we forward it to them?", clause, True) == "60 days"
    assert pick_figure("how long can they go through our books?", clause, True) is None  # no role named: nothing strict


def test_of_several_figures_of_the_role_the_one_named_for_the_subject():
    clause = ("Retention: $10,000 each Claim, except $25,000 for Cyber Extortion. "
              "Sublimits: Cyber Extortion $250,000; Social Engineering Fraud $100,000; Aggregate Limit $1,000,000.")
    names = lambda phrase: (lambda text: phrase in text.lower())  # noqa: E731
    assert pick_figure("what's the cap on ransomware?", clause, subject=names("extortion")) == "$250,000"
    assert pick_figure("what's the cap on invoice scams?", clause, subject=names("social engineering")) == "$100,000"
    assert pick_figure("what's our deductible on ransomware?", clause, subject=names("extortion")) == "$25,000"
    assert pick_figure("what's our deductible?", clause) == "$10,000"
    # a subject every figure is stated for, or none is, chooses nothing
    assert pick_figure("what's our deductible?", clause, subject=names("claim")) == "$10,000"


def test_the_period_after_a_waiting_period_is_not_the_waiting_period():
    clause = ("Reputation indemnity period means the one hundred and eighty (180) day period that begins at the conclusion of "
              "the reputation waiting period.")
    assert pick_figure("how long do we wait before the downtime cover starts paying?", clause, strict=True) is None
    assert pick_figure("how long is the waiting period?", "The waiting period is 12 hours.", strict=True) == "12 hours"


def test_what_happens_if_is_answered_from_the_leading_clause_kind():
    # "what happens if we miss it?" asks whether cover still holds: a notice condition makes it depend on meeting it
    notice = "The Insured shall give written notice of any Claim within 72 hours of discovery."
    kind, line = verdict("what happens if we miss the 72 hour notice?", [_cite("notice", notice)], [notice])
    assert (kind, line) == ("depends", "It depends on meeting a condition (VII. CONDITIONS §C, p. 10).")


def test_cancellation_notice_is_read_by_whether_the_question_is_about_not_paying():
    clause = ("This Policy may be cancelled by the Underwriters by mailing written notice stating when such cancellation will "
              "be effective. Such date of cancellation will not be less than 60 days (or 10 days for cancellation due to "
              "non-payment of premium) after the date of notice. Notice of any Claim must be given within 30 days.")
    assert pick_figure("if the underwriters cancel on us, how much notice do we get?", clause, strict=True) == "60 days"
    assert pick_figure("how much warning if they cancel because we paid the premium late?", clause, strict=True) == "10 days"
    # "(not for late payment)" sets not paying aside, as "other than non-payment" does
    assert pick_figure("if they terminate us mid-term (not for late payment), what's the minimum heads-up they owe?", clause,
                       strict=True) == "60 days"
    assert pick_figure("how long do we have to report a claim?", clause, strict=True) == "30 days"


def test_a_how_long_question_never_gets_an_amount():
    assert pick_figure("how long does it take?", "The premium is 225% and the fee $5,000, payable within 14 days.") == "14 days"
    assert pick_figure("how long does it take?", "The premium is 225% of the annual premium.") is None
    # "how much notice" asks for time, although "how much" usually asks for money
    assert pick_figure("how much notice must they give to cancel?", "Subject to a sublimit of $500,000.") is None


def test_periods_written_hyphenated_or_in_words_and_a_not_to_exceed_cap_are_read():
    # "the 180-day period", "a 72-hour window": periods written as one hyphenated word
    clause = "Period of Restoration means the 180-day period that begins upon the interruption of business operations."
    assert pick_figure("for how long afterwards are our lost profits looked after?", clause, strict=True) == "180-day"
    assert pick_figure("how long do they cover the revenue we lose while offline?", clause, strict=True) == "180-day"
    assert pick_figure("how soon must we report it?", "Notice must be given within a 72-hour window.") == "72-hour"
    # and in words before the digits, as wordings write them
    assert pick_figure("how soon must we report it?", "Notice must be given within seventy-two (72) hours.") == "seventy-two (72) hours"
    assert pick_figure("by when is the proof of loss due?", "a proof of loss within one hundred and twenty (120) days") == \
        "one hundred and twenty (120) days"
    # options sharing one unit are one figure: the answer lists them, not the take-up window 61 characters on
    erp = ("the right to purchase an Optional Extended Reporting Period of one (1), two (2), three (3), or six (6) years. "
           "Such right must be exercised within sixty (60) days of the date of termination.")
    assert pick_figure("what's the longest run-off we can buy after we leave?", erp, strict=True) == \
        "one (1), two (2), three (3), or six (6) years"
    # an amount the liability "shall not exceed" is the cap asked for, though the clause names another amount first
    assert pick_figure("what's the most they pay for court attendance?",
                       "The Retention is $10,000. The amount payable for court attendance shall not exceed $250 per day.",
                       strict=True) == "$250 per day"  # with its unit of time
    assert pick_figure("how much notice must they give to cancel?", "A sublimit of $500,000. We may cancel on 30 days notice.") == "30 days"
    assert pick_figure("how long does the cover last?", "The cost is $100 per day.") is None  # a rate is no duration


def test_strict_figure_must_sit_by_its_roles_words():
    # the question asks for the run-off's length; a notice deadline in a clause without it is not that figure
    notice = "You must notify us within 30 days of cancellation or non-renewal if you want to purchase it."
    assert pick_figure("how long after expiry can we still report claims?", notice, strict=True) is None
    assert pick_figure("how long after expiry can we still report claims?", _RUN_OFF, strict=True) == "60 days"


@pytest.mark.parametrize("text, kind", [
    ("The Insured shall give written notice to the Insurer within 60 days.", "no"),
    ("Calling the breach hotline does not constitute notice under this Policy.", "no"),
    ("Notice may be given by telephone to the number in Item 10.", "info"),  # a wording that takes calls is not overruled
    ("A telephone call to our cyber incident response hotline will constitute notification to us.", "yes"),
])
def test_a_call_counts_as_notice_only_where_the_wording_says_so(text, kind):
    got, sentence = verdict("if i ring the emergency number does that count as letting them know?", [_cite("notice", text)], [text])
    assert got == kind, sentence
    if kind == "no":
        assert sentence.startswith("No — a call is not notice") and "VII. CONDITIONS §C, p. 10" in sentence
    if kind == "yes":
        assert sentence == "Yes — the wording says a call to its hotline is notice (VII. CONDITIONS §C, p. 10)."
    said = "Called the 1-800 number at 2am and they were helpful. So we've officially told them now, right?"
    if kind != "info":
        assert verdict(said, [_cite("notice", text)], [text])[0] == kind  # the same question, told as a story
        said = "We phoned their breach line and they sent us a coach. Is that our formal report done?"
        assert verdict(said, [_cite("notice", text)], [text])[0] == kind
        bit = "we rang the 24/7 incident number within the hour, so we've done our bit on telling them - right?"
        assert verdict(bit, [_cite("notice", text)], [text])[0] == kind
        side = "We rang the hotline within an hour of spotting it. Have we done everything we need on the reporting side?"
        assert verdict(side, [_cite("notice", text)], [text])[0] == kind
        duty = "we rang the insurer's incident line on day one - that ticks off our obligation to tell them, yeah?"
        assert verdict(duty, [_cite("notice", text)], [text])[0] == kind


def test_whether_a_call_is_notice_is_read_from_the_notice_condition_wherever_it_is(sample_index):
    from bot.pipeline import answer

    a = answer("We rang the breach hotline straight away. Does that call count as formally telling them?", index=sample_index,
               policy="northwind")
    assert a.verdict == "no" and a.summary.startswith("No — a call is not notice") and "NOTICE, CLAIMS AND CONSENT §A, p. 10" in a.summary
    notice = next(c for c in a.citations if c.section.endswith("NOTICE, CLAIMS AND CONSENT > A"))
    assert "does not constitute notice" in notice.quote and notice.page_start == 10


@pytest.mark.parametrize("question, text, kind", [
    ("Can AXA drop us halfway through the year because we've had claims?",
     "The Insurer may not cancel this Policy except for nonpayment of premium.", "no"),
    ("can they cancel us mid-year?", "We may cancel this Policy for non-payment of premium by giving 10 days notice.", "no"),
    ("can they cancel us if we don't pay the premium?", "We may cancel this Policy for non-payment of premium.", "yes"),
    ("can they cancel us if we miss a premium payment?", "We may cancel this Policy for non-payment of premium.", "yes"),
    # "other than non-payment" sets non-payment aside: the clause allowing only that answers no
    ("can they cancel our policy mid-term for any reason other than non-payment?",
     "The insurer may only cancel this policy for nonpayment of premium.", "no"),
    ("can they still go through our books after the policy ends?",
     "We may examine and audit Your books and records during the Policy Period and within three years after.", "yes"),
    ("Could they treat the policy as if it never existed?", "If any representation is untrue this Policy shall be void.", "yes"),
    # an insurer named in two words; "may only cancel for" allows nothing else
    ("Can AXA XL cancel on us mid-term just because they've gone off our risk?",
     "The Insurer may only cancel this Policy for nonpayment of premium.", "no"),
])
def test_what_the_insurer_may_do(question, text, kind):
    assert question_asks(question) == "insurer_right"
    got, sentence = verdict(question, [_cite("requirement", text)], [text])
    assert got == kind, sentence


def test_a_question_about_someone_else_is_not_about_the_insurers_rights():
    assert question_asks("We ticked yes on MFA but some accounts never had it. Could the carrier unwind the whole policy?") == "insurer_right"
    (wrong, _), = [(c, p) for c, p in concepts_in("could they unwind the whole policy over that?") if "rescission" in c.policies_say]
    assert question_asks("could hackers sue us?") != "insurer_right"
    assert question_asks("can we cancel the policy?") == "permission"


@pytest.mark.parametrize("question, figure", [
    ("We think someone is inside our network right now. What number do we call?", "(866) 567-8570"),
    ("who do we even ring at the insurer at 2am?", "(866) 567-8570"),
    ("where do we send the notice of a claim?", "claims@example-insurer.com"),
    ("think we've been hacked right now. what's XL's emergency number?", "(866) 567-8570"),
])
def test_a_contact_question_gets_the_number_or_address(question, figure):
    text = ("Breach Response Services: call the 24/7 hotline on (866) 567-8570. Written notice of a Claim shall be sent "
            "to claims@example-insurer.com within 60 days. The limit is $1,000,000.")
    assert question_asks(question) == "figure"
    assert pick_figure(question, text, strict=True) == figure


def test_a_clause_that_will_not_provide_cover_answers_no():
    text = "F. Sanctions. We shall not provide cover or pay any claim to the extent that doing so would expose us to any sanction."
    got, sentence = verdict("the gang is on the OFAC list. can they still reimburse what we paid them?", [_cite("other", text)], [text])
    assert got == "no" and sentence.startswith("No — it is excluded (VII. CONDITIONS §C, p. 10)")


def _cite(ctype: str, quote: str) -> Citation:
    return Citation("C1", "d#1", "p", "v1", "f.pdf", 10, 10, "VII. CONDITIONS > C", ctype, quote)


def _next_cite(section: str, page: int, ctype: str, quote: str) -> Citation:
    """A second cited clause, after the leading one `_cite` makes."""
    return Citation("C2", "d#2", "p", "v1", "f.pdf", page, page, section, ctype, quote)


@pytest.mark.parametrize("question,ctype,text,kind,start", [
    ("Our hosting company went down and the client says we owe them. Is the tech policy any use here?", "exclusion",
     "This Policy does not apply to any Claim arising out of the failure of any utility or hosting provider.", "no", "Probably not"),
    ("We rang the hotline straight away. Is that enough as our formal notice?", "notice",
     "The Insured shall give notice of a Claim to the Insurer at the address shown in Item 8.", "depends", "It depends"),
    ("Is Coveware one of the firms AXA XL lists for the criminals who locked our files?", "other",
     "Ransomware negotiation: Coveware, Inc.; Arete Advisors.", "yes", "Yes, as far as the wording says"),
])
def test_a_yes_or_no_question_no_pattern_places_gets_the_leading_clauses_answer(question, ctype, text, kind, start):
    got, sentence = verdict(question, [_cite(ctype, text)], [text])
    assert got == kind and sentence.startswith(start) and "(VII. CONDITIONS §C, p. 10)" in sentence


def test_cover_left_to_the_insurers_discretion_depends():
    text = "Q. CRIMINAL REWARD We will pay on your behalf, in our discretion, criminal reward costs."
    got, sentence = verdict("Would they put up reward money to help catch the people who hacked us?", [_cite("coverage", text)], [text])
    assert got == "depends" and sentence == "It depends: the wording leaves this to the insurer's discretion (VII. CONDITIONS §C, p. 10)."
    plain = "Q. CRIMINAL REWARD We will pay on your behalf criminal reward costs."
    assert verdict("Would they put up reward money to help catch the people who hacked us?", [_cite("coverage", plain)], [plain])[0] == "yes"


def test_a_failure_nobody_caused_is_not_covered_by_cover_that_needs_an_attack():
    q = "Our main database crashed on its own (a disk controller died, nobody attacked us). Do they pay for the income we missed?"
    bi = "We will pay Business Interruption Loss that you sustain as a result of a Security Breach during the Period of Restoration."
    got, sentence = verdict(q, [_cite("coverage", bi)], [bi])
    assert got == "no" and sentence.startswith("Probably not — the cover cited responds to an attack or breach (VII. CONDITIONS §C, p. 10)")
    sf = bi.replace("a Security Breach", "a Security Breach or a System Failure")
    assert verdict(q, [_cite("coverage", sf)], [sf])[0] == "yes"
    assert verdict("Hackers crashed our main database. Do they pay for the income we missed?", [_cite("coverage", bi)], [bi])[0] == "yes"


def test_can_we_is_no_when_a_cited_clause_beside_the_leader_wants_consent():
    cover = "J. RANSOMWARE AND CYBER EXTORTION We will pay extortion costs you incur as a result of an extortion threat."
    cond = "You must not disclose the existence of this insurance to any third party without our prior written consent."
    c2 = _next_cite("VII. CONDITIONS > D", 12, "other", cond)
    got, sentence = verdict("can we tell staff that we have ransom cover?", [_cite("coverage", cover), c2], [cover, cond])
    assert got == "no" and sentence == "Not on your own — the policy requires the insurer's consent or its panel (VII. CONDITIONS §D, p. 12)."
    # a wording that neither asks for consent nor grants the right does not make it yours
    assert verdict("can we tell staff that we have ransom cover?", [_cite("coverage", cover)], [cover]) == (
        "no", "Not on your own, as far as the wording says: it gives no right to do this without the insurer "
              "(VII. CONDITIONS §C, p. 10); ask the insurer first.")


def test_a_price_question_gets_the_premium_charged_not_a_period():
    text = ("The Named Insured may purchase an Extended Reporting Period of 12 months, on written request within 30 days, "
            "for an additional premium of one hundred (100) per cent of the annual premium.")
    assert question_asks("what does that extra window cost?") == "figure"
    assert pick_figure("how much does the extended reporting period cost?", text, strict=True) == "(100) per cent"
    assert pick_figure("what would the tail cost us?", "Additional premium: 250% of the annual premium.", strict=True) == "250%"
    # asked together with "how long", the period wins, as a "how long" question never gets an amount
    assert pick_figure("how long is the extended reporting period and what does it cost?", text) == "12 months"
    assert question_asks("is the recovery cost covered?") == "coverage"


def test_an_open_question_no_pattern_places_is_not_forced_into_yes_or_no():
    text = "Ransomware negotiation: Coveware, Inc.; Arete Advisors."
    got, sentence = verdict("who deals with the criminals for us", [_cite("other", text)], [text])
    assert got == "info" and sentence == "The policy addresses this in VII. CONDITIONS §C, p. 10."


def test_verdict_answers_the_question_asked():
    panel = "The Insured shall only use vendors on our breach response panel, with our prior written consent."
    kind, line = verdict("Can we use our own forensics company?", [_cite("requirement", panel)], [panel])
    assert kind == "no" and "p. 10" in line
    kind, line = verdict("How quickly must we tell them?", [_cite("notice", "You must notify us as soon as is reasonably practicable.")],
                         ["You must notify us as soon as is reasonably practicable."])
    assert kind == "figure" and line.startswith("As soon as practicable")
    asap = "The Insured shall give written notice of any Claim as soon as practicable."
    kind, line = verdict("How quickly must we tell the insurer?", [_cite("notice", asap)], [asap])
    assert kind == "figure" and "as soon as practicable" in line.lower() and "60 days" not in line
    # "as soon as practicable, and in no event later than 30 days": the days are the outer limit, said so
    both = "The Insured shall give written notice as soon as practicable, and in no event later than 30 days after discovery."
    kind, line = verdict("How quickly must we tell the insurer?", [_cite("notice", both)], [both])
    assert (kind, line) == ("figure", "As soon as practicable, and at the latest 30 days (VII. CONDITIONS §C, p. 10).")
    fixed = "The Insured shall give written notice within 30 days after discovery."
    assert verdict("How quickly must we tell the insurer?", [_cite("notice", fixed)], [fixed])[1] == "30 days (VII. CONDITIONS §C, p. 10)."
    decl = "The Retention stated in Item 5 of the Declarations applies to each Claim."
    kind, _ = verdict("what's our deductible?", [_cite("limit", decl)], [decl])
    assert kind == "depends"
    excl = "We shall not be liable for any Loss arising out of war or a cyber operation."
    kind, _ = verdict("are we covered if russia hacks us?", [_cite("exclusion", excl)], [excl])
    assert kind == "no"


def test_multi_part_questions_are_split():
    assert split_parts("is ransomware covered? and how fast must we tell them?") == ["is ransomware covered?", "how fast must we tell them?"]
    assert split_parts("does the policy require MFA on email?") == ["does the policy require MFA on email?"]
    # ", and for how long / by when …" asks a second question too
    assert split_parts("Is the new subsidiary covered from day one, and for how long before we must tell them?") == [
        "Is the new subsidiary covered from day one", "for how long before we must tell them?"]
    assert len(split_parts("if our servers are hacked, and for what it's worth we had MFA, are we covered?")) == 1
    assert split_parts("ok? thanks") == ["ok? thanks"]
    assert split_parts("If we don't renew, how long can we still report claims, and what does that extra time cost us?") == [
        "If we don't renew, how long can we still report claims", "what does that extra time cost us?"]
    # an either/or is one question, and "and is that covered?" has no second subject
    assert len(split_parts("Can we pay the ransom and claim it back later, or do we need their consent first?")) == 1
    assert len(split_parts("Our supplier got hacked, and is that covered?")) == 1
    # numbered parts: the context before "(1)" stays with the first part, the numbers go
    assert split_parts("Renewal q: (1) what's the cap on lost profit after a breach, and (2) for how long do they count it?") == [
        "Renewal q: what's the cap on lost profit after a breach", "for how long do they count it?"]
    assert split_parts("two things: 1) which firm do we call; 2) how long do we have to tell them?") == [
        "two things: which firm do we call", "how long do we have to tell them?"]
    assert len(split_parts("we have 2) servers down and 1 laptop, covered?")) == 1
    # a numbered part asking its own figure needs no word of its own ("2) by when?" is searched with the part before);
    # unmarked, a bare "how?" is no part
    assert split_parts("turning EDR off mid-term. 1) do we have to tell the carrier? 2) by when?") == [
        "turning EDR off mid-term. do we have to tell the carrier?", "by when?"]
    assert split_parts("is ransomware covered? how?") == ["is ransomware covered? how?"]
    # a figure question joined by a bare "and", and a short part opening with a question word, are parts of their own
    assert split_parts("If we switch insurers, how long is the run-off period and what does it cost?") == [
        "If we switch insurers, how long is the run-off period", "what does it cost?"]
    assert split_parts("What's the most they pay for lost profit after bad press, and over how long?") == [
        "What's the most they pay for lost profit after bad press", "over how long?"]
    assert len(split_parts("is the deductible per claim and per year the same?")) == 1
    # a lettered list; inside a sentence, each later part gets the words the sentence opened with
    assert split_parts("Under last year's edition, what was (a) the ransom cap, (b) our own share, and (c) the waiting hours?") == [
        "Under last year's edition, what was the ransom cap", "what was our own share", "what was the waiting hours?"]
    assert split_parts("CFC: (a) how much notice is needed to cancel, and (b) do we get money back if we had a claim?") == [
        "CFC: how much notice is needed to cancel", "do we get money back if we had a claim?"]
    # the parts a list marks out are the user's: a marked part asking two things is not split again
    assert split_parts("If we leave: (a) what's the longest run-off we can buy and what does it cost, and (b) how long after we "
                       "leave do we have to decide?") == ["If we leave: what's the longest run-off we can buy and what does it cost",
                                                          "how long after we leave do we have to decide?"]
    # a comma list of questions ending in ", and <question word>"; a condition before a comma is no question of its own
    assert split_parts("can we still buy run-off, how long is it, what does it cost, and how soon must we ask?") == [
        "can we still buy run-off", "how long is it", "what does it cost", "how soon must we ask?"]
    assert split_parts("If we get hacked, how long do we have to tell them, and what does the excess look like?") == [
        "If we get hacked, how long do we have to tell them", "what does the excess look like?"]


def test_misspelt_vocabulary_words_are_read_right():
    """A typo of a vocabulary word is read as the word; another form of it, an English word close to one ("compliant",
    "controller") and a word the vocabulary does not know are left alone."""
    from bot.vocabulary import correct_typos

    assert correct_typos("If ransomwear locks up all our systems, does Hiscox pay?") == "If ransomware locks up all our systems, does Hiscox pay?"
    assert correct_typos("we got phised") == "we got phished"
    assert correct_typos("do we need multifactor authentification?") == "do we need multifactor authentication?"
    for same in ("is our complaint process compliant?", "our controller paid a fake invoice", "the hacktivists encrypted our servers",
                 "reception clicked a dodgy link and the file server is toast"):
        assert correct_typos(same) == same


def test_vocabulary_entries_have_reasons_and_match_lay_words():
    vocab = load_vocabulary()
    assert len(vocab) >= 30 and all(c.why for c in vocab)
    found = {p for c, _ in concepts_in("hackers locked our files and want bitcoin") for p in c.policies_say}
    assert "extortion" in found
    assert not concepts_in("r we ok if IT is a month behind on the rota")  # no lay phrase, no concept
    # words that mean other things in questions name no concept: a client's demand letter is no ransom, a client suing
    # is not the cost of notifying customers, and "would they defend us?" is the duty to defend, not Microsoft Defender
    named = lambda q: {p for c, _ in concepts_in(q) for p in c.policies_say}  # noqa: E731
    assert "extortion" not in named("a client sent a demand letter, do we tell the insurer?")
    assert "notification costs" not in named("a client is suing us over our work, covered?")
    assert "notification costs" in named("do they pay to notify customers after a breach?")
    assert "endpoint detection" not in named("would hiscox defend that?")
    assert "endpoint detection" in named("we run windows defender on every laptop, is that enough?")
    # words are matched on stems: "fired", "building" and "driving" are not a fire, a building or a car, copies of data
    # are no copyright matter, buying run-off is no acquisition, a mistake in our work is no misrepresentation
    assert not named("we fired an employee and are building a new app; our hard drive was stolen") & {
        "property damage", "automobile"}
    assert "intellectual property" not in named("we keep copies of our data offline")
    # the cops and the feds are law enforcement; money to get the attacker arrested is a reward, an arrest alone is not
    assert "law enforcement" in named("do we have to bring in the cops or the feds before paying?")
    assert "reward" in named("will they pay money we offer to help get the attacker arrested?")
    assert "reward" not in named("the police arrested someone last week, do we still pay the excess?")
    # which policy pays first is other insurance ("we pay first" is the deductible); a former officer suing is an
    # insured-versus-insured matter; a London court is a territory question, not a war one
    assert "other insurance" in named("if both policies respond, which pays first?")
    assert "other insurance" not in named("is it a deductible where we pay first?")
    assert "insured versus insured" in named("our ex-CTO is suing the company over a project")
    assert "territory" in named("a UK customer sued us in the High Court in London")
    assert "cancellation" in named("if either of us wants out mid-term, how much heads-up is needed?")
    assert "undersigned" in named("can our MSP sign the application for us?")
    assert "acquisition" not in named("can we buy run-off cover?") and "acquisition" in named("we are buying a company")
    assert "acquisition" in named("we're buying a smaller competitor, do we tell the insurer?")
    assert "social engineering" in named("someone in finance got phished and sent 50k to a fake supplier")
    # phrases that mean other things in IT and claims stories name nothing: getting in touch is no intrusion, an
    # application that crashed is no insurance application, a deal that closes is no settlement, a claimant who goes
    # after us is no subrogation, and a supplier the policy may pay is no ransom
    assert not named("we got in touch with the insurer after the application crashed; will the policy pay them?") & {
        "security breach", "misrepresentation", "extortion"}
    assert not named("after the deal closes the client will go after us") & {"settlement", "subrogation"}
    assert "security breach" in named("the attackers got in through our VPN") and "misrepresentation" in named(
        "we got a number wrong on the application form")
    assert "misrepresentation" not in named("we made a mistake in the code and the client lost money")
    assert "panel" not in named("our own platform was offline for a week") and "panel" in named("can we use our own lawyers?")
    assert "credit monitoring" in named("will they pay for credit watch for the affected people?")
    assert "hotline" in named("is there an emergency line to call?")
    # a bare percent sign, read as the word, asks about coinsurance
    from bot.vocabulary import expand_shorthand
    assert "coinsurance" in named(expand_shorthand("do we have to cover a % of the ransom ourselves?"))
    # a country named in a story brings in the territory clauses, without making the question one dealt with by name
    assert "jurisdictional limits" in named("a client in Germany is taking us to a German court, covered?")
    assert not any(c.by_name for c, _ in concepts_in("a client in Germany is taking us to a German court, covered?"))
    # software its maker stopped supporting is end-of-life; a box that "got popped" was hacked
    assert {"end of life", "security breach"} <= named("a box Microsoft stopped supporting years ago got popped")


def test_coinsurance_is_not_named_by_an_insured_who_did_not_participate():
    from vectorstore.text import tokens

    (coins, _), = [(c, p) for c, p in concepts_in("what percentage of the ransom do we carry ourselves?") if c.by_name]
    texts = ["However, this exclusion shall not apply to any natural person insured who did not participate in the act."]
    assert not coins.named_in({t: 1 for x in texts for t in tokens(x)}, lambda: texts)
    named = ["Ransomware Coinsurance: the Insured shall bear 30% of each loss."]
    assert coins.named_in({t: 1 for x in named for t in tokens(x)}, lambda: named)


@pytest.mark.parametrize("question, unrelated, naming", [
    ("any discount on premium if we have MFA everywhere?", "Damages do not include discounts, coupons, prizes or awards.",
     "A premium discount of 5% applies where MFA is in place."),
    ("can they cancel us mid-term?", "This exclusion applies to any termination of employment or discrimination.",
     "We may cancel this policy by giving 30 days notice."),
    ("does it pay the card brand's bill after our card data leaked?", "We may carry out privacy impact assessments.",
     "We will pay PCI fines and assessments owed under a merchant services agreement."),
    ("we wired $80k to a spoofed supplier, is the lost money covered?",
     "Damages do not include the monetary value of an electronic fund transfer or transaction that is lost.",
     "We will pay your loss from a Fraudulent Instruction or Social Engineering attack."),
    ("do we need to hold ISO 27001 certification to keep this cover?",
     "Inquiry means any hearing or review into licensing, registration or accreditation, by or of the Insured.",
     "Does the Applicant hold a current ISO 27001 or SOC 2 certification?"),
    ("a competitor is suing us over a nasty post our marketing guy put on our blog about them",
     "We will pay the costs of a public relations firm after an Adverse Media Report.",
     "We will pay Damages arising from defamation, libel or slander in Media Content."),
    ("is there a 24/7 helpline we're supposed to ring first?",
     "The Insured shall give notice by telephone or in writing as soon as practicable.",
     "access to the 24/7 breach response hotline detailed in Item 9"),
    ("does the panel include a forensic bean-counter to work out our lost income?",
     "Digital forensic and incident response firms investigate how the attackers got in.",
     "We will pay the costs of an accountant to prepare the proof of loss."),
])
def test_a_cover_dealt_with_by_name_is_not_named_by_a_common_word_used_for_something_else(question, unrelated, naming):
    from vectorstore.text import tokens

    (c, _), = [(c, p) for c, p in concepts_in(question) if c.by_name]
    assert not c.named_in({t: 1 for t in tokens(unrelated)}, lambda: [unrelated])
    assert c.named_in({t: 1 for t in tokens(naming)}, lambda: [naming])


def test_betterment_is_named_without_the_word():
    """Beazley excludes betterment without the word: "to update, upgrade, enhance or replace … to a level beyond that
    which existed prior to a Security Breach" still names what "rebuild on newer kit" asks about."""
    from vectorstore.text import tokens

    concept = next(c for c, _ in concepts_in("can we rebuild on newer kit and put the upgrade on the claim?") if "betterment" in c.policies_say)
    text = "costs to update, upgrade, enhance or replace Computer Systems to a level beyond that which existed prior to a Security Breach"
    assert concept.named_specifically(tokens(text), {}, 100, 0.1)


def test_a_specific_cover_is_named_only_by_one_of_its_whole_phrases():
    """A no-claims discount is not named by a wording that says "claim" in one place and "bonus" in another;
    the clause texts are read only when every word of a phrase occurs somewhere."""
    from vectorstore.text import tokens

    (disc, _), = [(c, p) for c, p in concepts_in("any price cut if we stay claim-free?") if c.by_name]
    texts = ["Each Claim shall be reported in writing.", "Remuneration includes salary and bonus."]
    df = {t: 1 for x in texts for t in tokens(x)}
    assert "premium discount" in disc.policies_say and not disc.named_in(df, lambda: texts)
    named = texts + ["A no claims bonus of 10% applies at renewal."]
    assert disc.named_in({t: 1 for x in named for t in tokens(x)}, lambda: named)
    (reward, _), = [(c, p) for c, p in concepts_in("will they pay a reward to whoever helps catch the hacker?") if c.by_name]
    read = []
    assert reward.named_in({"reward": 3}, lambda: read.append(1) or [])  # a one-word phrase: df decides
    assert not read


def test_read_batch_keeps_order_and_reports_bad_lines(tmp_path):
    f = tmp_path / "q.jsonl"
    f.write_text('{"id": "a", "question": "is ransomware covered?", "policy": "nw"}\n\nnot json\n{"question": ""}\n{"id": 7, "question": "mfa?"}\n')
    items = list(read_batch(f, "default"))
    assert [i.id for i in items] == ["a", "3", "4", "7"]
    assert items[0].policy == "nw" and items[3].policy == "default"
    assert "line 3 is not valid JSON" in items[1].error and "empty" in items[2].error
    t = tmp_path / "q.txt"
    t.write_text("first?\n\nsecond?\n")
    assert [(i.id, i.question, i.policy) for i in read_batch(t, "nw")] == [("1", "first?", "nw"), ("3", "second?", "nw")]


@pytest.mark.slow
def test_ask_file_answers_every_line_in_order(tmp_path, sample_pdfs):
    d = tmp_path / "d"
    r = runner.invoke(app, ["ingest", str(sample_pdfs["2026"]), "--policy", "northwind", "--data-dir", str(d)])
    assert r.exit_code == 0, r.output
    f = tmp_path / "q.jsonl"
    f.write_text(json.dumps({"id": "mfa", "question": "do we need MFA for email?"}) + "\n"
                 + "{broken\n"
                 + json.dumps({"id": "ransom", "question": "what is the ransomware sublimit?", "policy": "northwind"}) + "\n"
                 + json.dumps({"id": "x", "question": "mfa?", "policy": "acme"}) + "\n")
    r = runner.invoke(app, ["ask", "--file", str(f), "--json", "--data-dir", str(d)])
    assert r.exit_code == 1  # two lines failed, and said so
    rows = [json.loads(x) for x in r.stdout.splitlines() if x.startswith("{")]
    assert [x["id"] for x in rows] == ["mfa", "2", "ransom", "x"]
    assert rows[0]["answered"] and rows[0]["citations"][0]["page_start"] == 9
    assert "not valid JSON" in rows[1]["error"]
    assert any("$250,000" in c["quote"] for c in rows[2]["citations"]) and rows[2]["citations"][0]["page_start"] == 1
    assert "No policy named 'acme'" in rows[3]["error"]


def test_how_often_is_answered_with_the_frequency_the_clause_sets():
    q = "do we have to rehearse our incident plan, and how often?"
    assert question_asks(q) == "figure"
    text = "The Insured shall back up critical Data at least weekly and test the restoration of backups at least once every quarter."
    assert pick_figure("how often must we test that backups restore?", text) == "at least once every quarter"
    kind, sentence = verdict(q, [_cite("requirement", "The plan shall be tested annually.")], ["The plan shall be tested annually."])
    assert (kind, sentence.split(" (")[0]) == ("figure", "annually")


def test_an_exclusion_cited_beside_the_insuring_clause_decides_is_it_covered():
    cover = _cite("coverage", "We will pay Business Interruption Loss sustained during the Period of Restoration.")
    excl = _next_cite("III. EXCLUSIONS > N", 12, "exclusion",
                      "Any failure of power, utility or telecommunications infrastructure not under the Insured's control.")
    q = "the power went out for the whole business park for two days - are we covered for the lost income?"
    kind, sentence = verdict(q, [cover, excl], [cover.quote, excl.quote])
    assert kind == "no" and "III. EXCLUSIONS §N, p. 12" in sentence
    assert verdict(q, [cover], [cover.quote])[0] == "yes"  # without the exclusion the insuring clause answers


def test_a_question_about_the_proposal_form_is_answered_from_its_questions():
    q = "will the underwriter want to know whether we keep offline backups?"
    assert question_asks(q) == "form" and question_asks("does the at-bay application ask if we're PCI compliant?") == "form"
    assert question_asks("We got answers wrong on the proposal form. Can they cancel?") != "form"
    asked = "06. Does the Applicant keep offline backups that are disconnected from its network?"
    kind, sentence = verdict(q, [_cite("other", asked)], [asked])
    assert (kind, sentence) == ("yes", "Yes — the application asks this (VII. CONDITIONS §C, p. 10).")
    wording = "The Insured shall keep backups of critical Data."  # a wording, not a form question: no "the form asks"
    assert verdict(q, [_cite("requirement", wording)], [wording])[0] != "yes"


def test_are_we_ok_without_a_required_control_is_no_and_not_about_consent():
    patch = "The Insured shall apply security patches rated critical by the vendor within 14 days of their release."
    kind, sentence = verdict("r we ok if IT is a month behind on updates?", [_cite("requirement", patch)], [patch])
    assert kind == "no" and "requirement" in sentence and "consent" not in sentence and "p. 10" in sentence


def test_a_figure_question_reads_the_next_cited_clauses_before_saying_there_is_no_figure():
    # The leading clause is the cover; the amount, or the pointer to the Declarations, sits in the next cited clause.
    cover = _cite("coverage", "We will pay Court Attendance Costs incurred by the Insured.")
    cap = _next_cite("IV. LIMITS > B", 12, "limit", "Court Attendance Costs: we will pay an allowance of $500 for each day.")
    kind, summary = verdict("how much do they give us for each day at court?", [cover, cap], [cover.quote, cap.quote])
    assert (kind, summary) == ("figure", "$500 (IV. LIMITS §B, p. 12).")
    sched = _next_cite("IV. LIMITS > B", 12, "limit",
                       "The most we will pay for Court Attendance Costs is the amount shown in the Policy Schedule.")
    kind, summary = verdict("how much do they give us for each day at court?", [cover, sched], [cover.quote, sched.quote])
    assert kind == "depends" and summary.endswith("(IV. LIMITS §B, p. 12).")
    # no clause states an amount or points anywhere: a cover's limit is the one the Declarations give it
    kind, summary = verdict("how much do they give us for each day at court?", [cover], [cover.quote])
    assert kind == "depends" and "the wording states no amount for this cover" in summary
    # … while a figure of its own (a waiting period) that no clause states is not read into the cover
    assert verdict("how long is the waiting period for court attendance?", [cover], [cover.quote])[0] == "info"


def test_a_question_naming_the_excess_is_never_answered_with_a_percentage():
    coins = "Ransomware Coinsurance: the Insured shall bear 30% of all Cyber Extortion Loss in excess of the Retention."
    assert pick_figure("whats our excess", coins) is None
    assert pick_figure("what's our deductible?", "Retention: $25,000 each Claim or Cyber Event.") == "$25,000"
    # a generic "how much" may be a share
    assert pick_figure("how much of the later costs do they still pick up?", "we will pay 70% of the costs incurred after that") == "70%"


def test_do_we_need_to_ask_first_is_answered_by_any_cited_clause_wanting_consent():
    cover = _cite("coverage", "We will pay Cyber Extortion Loss that the Insured incurs as a direct result of an Extortion Threat.")
    defn = _next_cite("II. DEFINITIONS > Cyber Extortion Loss", 4, "definition",
                      "Cyber Extortion Loss means any ransom payment made with our prior written consent.")
    kind, sentence = verdict("if we get hit by ransomware do we need to ask before paying?", [cover, defn], [cover.quote, defn.quote])
    assert kind == "yes" and sentence == "Yes — the insurer's consent is needed first (II. DEFINITIONS §Cyber Extortion Loss, p. 4)."
    # without a clause wanting consent, the answer is the one the leading clause gives
    kind, _ = verdict("if we get hit by ransomware do we need to ask before paying?", [cover], [cover.quote])
    assert kind == "depends"


@pytest.mark.parametrize("typed, read", [
    ("hw long do we have b4 we tell them", "how long do we have before we tell them"),
    ("r we covered if u pay w/o asking", "are we covered if you pay without asking"),
    ("whats our excess, 72 hrs?", "what's our excess, 72 hours?"),
    ("cant we use our own lawyers", "can't we use our own lawyers"),
    ("the U.S. office, R&D costs, our IT", "the U.S. office, R&D costs, our IT"),  # abbreviations and words that contain one stay
    ("do we pay a % of the ransom? 30% or 10 %?", "do we pay a percentage of the ransom? 30% or 10 %?"),  # a figure keeps its sign
])
def test_chat_shorthand_is_read_as_the_words_it_stands_for(typed, read):
    from bot.vocabulary import expand_shorthand

    assert expand_shorthand(typed) == read


def test_every_shorthand_entry_has_a_reason(tmp_path):
    from bot.vocabulary import load_shorthand

    p = tmp_path / "v.yaml"
    p.write_text("entries: []\nshorthand:\n  - {says: [hw], means: how}\n")
    with pytest.raises(ValueError, match="no 'why'"):
        load_shorthand(p)


def test_a_waiting_period_is_not_any_number_of_hours():
    q = "whats the waiting period before BI kicks in"
    assert pick_figure(q, "Breach response services will be provided for a maximum of 72 hours.", strict=True) is None
    assert pick_figure(q, "Waiting Period: 12 hours for Business Interruption Loss.", strict=True) == "12 hours"
    assert pick_figure("from what point do we start getting paid?", "We pay after the first 8 hours of any interruption.", strict=True) == "8 hours"


def test_a_deductible_question_never_gets_a_cap():
    capped = ("We will pay an award of punitive or exemplary damages in excess of the Deductible and up to a maximum sum of "
              "$250,000.")
    assert pick_figure("whats our deductible", capped, strict=True) is None
    assert pick_figure("whats our deductible", capped) is None
    assert pick_figure("whats our deductible", "Supplemental Payments shall not exceed $250 per day. No Deductible applies.") is None
    assert pick_figure("whats our deductible", "Deductible: $10,000 each Claim; the most we pay is $1,000,000.") == "$10,000"


def test_fines_excluded_unless_insurable_by_law_depend_on_the_law():
    cover = _cite("coverage", "We agree to pay any fines or penalties as a result of any regulatory investigation.")
    excl = _next_cite("EXCLUSIONS > 63", 31, "exclusion",
                      "63. Uninsurable fines for fines, penalties, civil or criminal sanctions, unless insurable by law.")
    kind, sentence = verdict("are fines from regulators covered?", [cover, excl], [cover.quote, excl.quote])
    assert kind == "depends" and sentence.startswith("It depends on the law that applies") and "EXCLUSIONS §63, p. 31" in sentence
    plain = _next_cite("EXCLUSIONS > 63", 31, "exclusion", "63. Any fines or penalties.")
    assert verdict("are fines from regulators covered?", [cover, plain], [cover.quote, plain.quote])[0] == "no"


def test_naming_staff_does_not_reach_the_dishonest_act_clauses():
    def says(q):
        return {w for c, _ in concepts_in(q) for w in c.policies_say}

    assert "employee" in says("an employee clicked a dodgy link") and "dishonest" not in says("an employee clicked a dodgy link")
    assert "dishonest" in says("a disgruntled ex-employee wiped the file server on purpose")


def test_a_cancellation_notice_is_not_the_window_after_cancelling():
    q = "how many days warning do we get before they cancel us?"
    window = ("Notice of election and full payment of the additional premium for the Optional Extended Reporting Period must "
              "be received within 30 days after the effective date of cancellation or non-renewal.")
    assert pick_figure(q, window, strict=True) is None
    assert pick_figure(q, window) is None
    assert pick_figure(q, "This Policy may be canceled with 30 days written notice by either you or us.", strict=True) == "30 days"
    assert pick_figure(q, "Such cancellation will not be less than ten (10) days after such notice is mailed.", strict=True) == "ten (10) days"


def test_a_clause_that_never_names_the_role_does_not_state_its_figure():
    # a question for the waiting period never gets a period of another name from the leading clause
    q = "how long do we have to be offline before the income cover starts paying?"
    restoration = "Dependent Disruption Period means the one hundred and eighty (180) days after the interruption begins."
    assert pick_figure(q, restoration) is None
    # a run-off clause states its period apart from the words "period of"
    assert pick_figure("how long after the policy ends can we still report claims?",
                       "If the Policy is not renewed, the Insured may purchase an extended reporting period; it lasts twelve (12) months.") == "twelve (12) months"
    # "can we start paying a firm …?" names no waiting period: the window in the clause answers "for how long?"
    spend = "you may only incur costs without our prior written consent within the first 72 hours following the discovery"
    assert pick_figure("can we start paying an IR firm right away, and for how long?", spend) == "72 hours"


def test_a_figure_referred_to_the_declarations_is_found_by_its_name():
    from bot.verdict import refers_figure_to_declarations

    q = "how long do we have to be down before cover kicks in?"
    assert refers_figure_to_declarations(q, "Waiting period means the number of hours set forth in Item 5.K. of the Declarations.")
    assert not refers_figure_to_declarations(q, "Policy period means the period stated in the Declarations.")
    assert not refers_figure_to_declarations("who do we ring at 2am?", "You may notify us by telephone as shown in the Declarations.")


def test_an_amount_ends_at_its_last_digit_and_the_wait_before_payment_is_a_waiting_period():
    assert pick_figure("how much for a proof of loss?", "costs, not to exceed USD 50,000, that the Named Insured incurs") == "USD 50,000"
    assert pick_figure("how many hrs do we have to be down before lost revenue gets paid?",
                       "Waiting Period: 8 hours. Period of Restoration: 120 days.", strict=True) == "8 hours"


def test_a_run_off_period_comes_only_from_a_clause_about_run_off():
    q = "how long do we get to buy the extended reporting period"
    notice = "The Insured must give written notice of a claim as soon as practicable and within 60 days after the end of the Policy Period."
    assert pick_figure(q, notice, strict=True) is None and pick_figure(q, notice) is None
    beazley = "The Named Insured must request the Optional Extension Period in writing within 60 days of the end of the Policy Period."
    assert pick_figure(q, beazley, strict=True) == "60 days"


def test_a_window_after_some_other_event_is_not_a_cancellation_notice():
    q = "how many days of warning if they cancel us?"
    sub = ("Coverage otherwise afforded under this Extension for such acquisition shall terminate ninety (90) days after the "
           "effective date of such acquisition, unless the Policyholder pays any additional premium.")
    assert pick_figure(q, sub, strict=True) is None and pick_figure(q, sub) is None
    beazley = "Such date of cancellation will not be less than 60 days after the date of notice."
    assert pick_figure(q, beazley, strict=True) == "60 days"


def test_a_figure_of_its_own_is_left_to_the_declarations_only_by_a_clause_naming_it():
    """Corvus "2. Item 6. of the Declarations is amended …" names the Declarations but no notice period: it does not
    answer "how many days do we get to report a claim?" with "it depends on your Declarations". A limit question
    ("what's the most they pay?") is still referred to them by any mention."""
    amended = "2. Item 6. of the Declarations is amended by the addition of the following: A. Third Party Insuring Agreements"
    kind, line = verdict("how many days do we get to report a claim under the endorsement?", [_cite("other", amended)], [amended])
    assert kind == "info" and "Declarations" not in line, line
    kind, line = verdict("what's the most they pay under the endorsement?", [_cite("limit", amended)], [amended])
    assert kind == "depends" and line.startswith("It depends on your Declarations"), line
    waiting = "Waiting Period means the number of hours set forth in Item 5 of the Declarations."
    kind, line = verdict("how many hours before the income cover starts?", [_cite("definition", waiting)], [waiting])
    assert kind == "depends" and line.startswith("It depends on your Declarations"), line


def test_can_we_pick_our_own_is_answered_by_the_panel_clause_before_a_leading_requirement_about_something_else():
    plan = _cite("requirement", "E. Incident Response Plan. The Insured shall maintain a written incident response plan.")
    panel = _next_cite("VII. CONDITIONS > D", 10, "requirement",
                       "The Insured shall use the forensic, legal and notification vendors on our breach response panel.")
    kind, line = verdict("can we pick our own incident response firm?", [plan, panel], [plan.quote, panel.quote])
    assert kind == "no" and line.startswith("Not on your own — the policy requires the insurer's consent or its panel (VII. CONDITIONS §D, p. 10)"), line


def test_a_question_naming_its_own_figure_is_not_answered_with_a_limit():
    """"How much is the retention?" of a clause stating only a sub-limit gets no figure (Swiss Re answered AUD 500,000,
    the limit for property in the insured's control); "how much do we eat before the cover kicks in?" still wants an
    amount."""
    sub = "any other property temporarily in the Insured's control subject to a Sub-limit of Liability of AUD 500,000 any one Occurrence."
    assert pick_figure("how much is the retention on a claim?", sub) is None
    assert pick_figure("what's the most they pay for property in our control?", sub) == "AUD 500,000"
    se = "We shall indemnify You up to the Aggregate Limit of Liability that exceeds the greater of $25,000 or Your Retention."
    assert pick_figure("40k gone. how much do we eat before the cover kicks in?", se) == "$25,000"


def test_a_carve_back_lifts_an_exclusion_only_for_a_subject_it_names_specifically():
    """"…however, this exclusion will not apply to cyber terrorism" lifts a war exclusion for hacktivists, not for a
    state's army; a carve-back for "claim expenses" names no subject when only the word "claim" is shared."""
    war = ("W. WAR AND TERRORISM War, invasion, terrorism, hostilities, military or usurped power; however, this exclusion "
           "will not apply to cyber terrorism.")
    q = "activists hit us to make a political point - does the war exclusion apply?"
    subjects = [c for c, _ in concepts_in(q)]
    assert verdict(q, [_cite("exclusion", war)], [war], subjects=subjects)[0] == "no"
    assert verdict(q, [_cite("exclusion", war)], [war])[0] == "yes"  # without the subjects, the exclusion decides
    army = "a foreign army's hackers hit us - does the war exclusion apply?"
    assert verdict(army, [_cite("exclusion", war)], [war], subjects=[c for c, _ in concepts_in(army)])[0] == "yes"
    fraud = ("F. FRAUD BY A SENIOR EXECUTIVE Any dishonest act of any senior executive. However, this exclusion does not "
             "apply to claim expenses incurred in defending any such claim.")
    sue = "our COO sold customer records and the customers are suing - is that excluded?"
    assert verdict(sue, [_cite("exclusion", fraud)], [fraud], subjects=[c for c, _ in concepts_in(sue)])[0] == "yes"
    # an exception inside the exclusion lifts it too: "… malicious acts … by an Insured, other than a rogue employee;"
    acts = ("A. Deliberate Acts 1. dishonest, intentional or knowing wrongful, fraudulent, criminal, or malicious acts, errors, "
            "or omissions or willful violations of law by an Insured, other than a rogue employee;")
    rogue = "a disgruntled sysadmin deliberately dumped our customer database online. does the deliberate-acts exclusion apply?"
    assert verdict(rogue, [_cite("exclusion", acts)], [acts], subjects=[c for c, _ in concepts_in(rogue)])[0] == "no"
    assert verdict(rogue, [_cite("exclusion", acts)], [acts])[0] == "yes"  # without the subjects, the exclusion decides


def test_a_place_outside_the_territory_clause_is_not_covered():
    """A suit in a German court against a territory clause reaching only suits brought in the US or Canada is "probably
    not"; so is a Texas suit against "World Wide Excluding North America". A place inside the clause, or a clause
    with no limit on where suits are brought, leaves the verdict to the rest of the wording; "us" is no place."""
    from bot.vocabulary import places_in

    hiscox = ("J. TERRITORY This Policy shall apply to Wrongful Acts committed anywhere in the world, provided that any action "
              "is brought within the United States, its territories or possessions, or Canada.")
    kind, line = verdict("a client is suing us in a German court, is that covered?", [_cite("coverage", hiscox)], [hiscox])
    assert kind == "no" and "does not reach Germany" in line, line
    assert verdict("a client in Texas is suing us, is that covered?", [_cite("coverage", hiscox)], [hiscox])[0] == "yes"
    schedule = "Jurisdictional Cover: World Wide Excluding North America"
    assert verdict("a US client sued us in Texas, are we covered?", [_cite("limit", schedule)], [schedule])[0] == "no"
    universe = "TERRITORY – THE UNIVERSE This Policy will apply to events occurring anywhere in the universe."
    assert verdict("a client sued us in a German court, covered?", [_cite("coverage", universe)], [universe])[0] == "yes"
    assert places_in("they sued us") == set() and "united kingdom" in places_in("a suit in the london high court")
    assert places_in("World Wide Excluding North America", regions=False) == {"north america"}  # not "America"


def test_an_exclusion_whose_carve_back_names_the_cited_cover_does_not_take_it_away():
    """CFC's "Property and hardware costs" exclusion "will not apply to INSURING CLAUSE 5 (SECTION G only)": beside
    Section G's hardware replacement cover it does not turn "will they buy new kit?" into "probably not"; beside another
    section's cover it still does. Embroker-style "shall not apply to Insuring Agreements 4 or 10" spares §4."""
    cover = Citation("C1", "d#1", "p", "v1", "f.pdf", 10, 10, "SECTION G: HARDWARE REPLACEMENT COSTS", "coverage",
                     "We will pay the costs to replace computer hardware rendered unusable.")
    hardware = ("3. Property and hardware costs for any tangible property repair or replacement including the cost of "
                "replacing any hardware. However, this Exclusion will not apply to INSURING CLAUSE 5 (SECTION G only).")
    excl = _next_cite("EXCLUSIONS RELATING TO SYSTEM DAMAGE > 3", 22, "exclusion", hardware)
    q = "malware bricked our laptops, will they pay for new ones?"
    kind, line = verdict(q, [cover, excl], [cover.quote, hardware])
    assert kind == "yes" and line.startswith("Yes — covered under SECTION G: HARDWARE REPLACEMENT COSTS, p. 10"), line
    income = Citation("C1", "d#1", "p", "v1", "f.pdf", 9, 9, "SECTION B: INCOME LOSS AND EXTRA EXPENSE", "coverage",
                      "We will pay your income loss and extra expense.")
    kind, line = verdict(q, [income, excl], [income.quote, hardware])
    assert kind == "no" and "EXCLUSIONS RELATING TO SYSTEM DAMAGE §3, p. 22" in line, line
    securities = "N. Securities Law arising from any violation of any securities law. However, this exclusion shall not apply to Insuring Agreements 4 or 10."
    privacy = Citation("C1", "d#1", "p", "v1", "f.pdf", 2, 2, "I. Insuring Agreements > 4. Network Security and Privacy Liability",
                       "coverage", "We will pay Damages and Defense Costs for a Claim for a Privacy Breach.")
    sec = _next_cite("II. Exclusions > N. Securities Law", 6, "exclusion", securities)
    assert verdict("shareholders sued us over the breach, covered?", [privacy, sec], [privacy.quote, securities])[0] == "yes"


@pytest.mark.parametrize("question", [
    "how do they work out how much income we lost?",
    "If we cancel halfway through the year, how is the refund worked out?",
    "how would the insurer calculate our lost profit?",
])
def test_a_question_about_how_an_amount_is_worked_out_asks_for_the_method_not_a_figure(question):
    assert question_asks(question) == "info"


def test_a_question_asking_how_much_is_still_a_figure_question():
    assert question_asks("how much income loss do they pay?") == "figure"


def test_how_far_back_asks_for_a_period_and_past_incidents_name_the_loss_history_question():
    """At-Bay's form asks "In the last three (3) years, has the Applicant experienced in excess of $10,000 any Cyber
    Event …": "how many years back?" and "how far back?" want the three years, "what dollar amount?" the $10,000, and
    "past incidents" is the form's loss-history question in users' words."""
    q23 = ("23. In the last three (3) years, has the Applicant experienced in excess of $10,000 any Cyber Event, Loss or "
           "been the subject of any Claim made for a Wrongful Act")
    assert question_asks("how far back does the form look at past incidents?") == "figure"
    assert pick_figure("how far back does the form look at past incidents?", q23) == "three (3) years"
    assert pick_figure("and how many years back?", q23) == "three (3) years"
    assert pick_figure("above what dollar amount do we have to disclose a past incident?", q23) == "$10,000"
    said = {p for c, _ in concepts_in("do we have to disclose past incidents on the application?") for p in c.policies_say}
    assert "has the applicant experienced" in said


@pytest.mark.parametrize("question,kind", [
    ("grid power was out 2 days, lost a ton of orders. claimable as downtime loss?", "coverage"),
    ("If Coalition doesn't renew, what would three years of run-off cost us?", "figure"),
    ("For the renewal, is there any policy condition tied to having two-step login?", "obligation"),
    ("what's the absolute latest we can get it to them in writing?", "figure"),
])
def test_more_ways_of_asking_are_placed(question, kind):
    assert question_asks(question) == kind


def test_the_latest_we_can_send_it_in_writing_asks_the_notice_period_not_a_limit():
    text = ("A. Notice of a Claim must be given in writing as soon as practicable and in no event later than 60 days after "
            "such discovery. The Limit of Liability is $2,000,000.")
    assert pick_figure("what's the absolute latest we can get it to them in writing?", text) == "60 days"


def test_a_call_that_counts_as_having_told_the_insurer_is_asked_as_notice():
    written = _cite("notice", "Notice of any Claim must be given to us in writing at the address in the Declarations.")
    kind, line = verdict("office manager phoned the emergency number. does that count as us having told the insurer?",
                         [written], [written.quote])
    assert kind == "no" and line.startswith("No — a call is not notice"), line


def test_a_refusal_among_the_conditions_does_not_turn_a_cover_into_probably_not():
    """CFC's "10. Fraudulent claims" condition (the insured's own fraud) and a sanctions provision are typed as
    exclusions; cited beside the cover a question asks about, they do not decide it the way an exclusion section does."""
    cover = _cite("coverage", "We will pay the cost of reimbursing your existing customers for their financial loss.")
    fraud_text = "10. Fraudulent claims If you make any claim which is fraudulent we will not pay the claim."
    fraud = _next_cite("CONDITIONS > 10. Fraudulent claims", 37, "exclusion", fraud_text)
    q = "Scammers emailed our customers fake payment requests and some paid. Will CFC refund those customers?"
    assert verdict(q, [cover, fraud], [cover.quote, fraud_text])[0] == "yes"
    excl = _next_cite("III. EXCLUSIONS > F", 6, "exclusion", fraud_text)
    assert verdict(q, [cover, excl], [cover.quote, fraud_text])[0] == "no"


def test_court_attendance_is_a_cover_wordings_name():
    found = [c for c, _ in concepts_in("if our team has to spend days in court as witnesses, is there a daily allowance?")]
    assert any(c.by_name and "court attendance" in c.policies_say for c in found)
    assert not any("court attendance" in c.policies_say for c, _ in concepts_in("a client is taking us to court, covered?"))


def test_the_numbers_proving_a_loss_ask_the_proof_of_loss_deadline_not_the_notice_period():
    """Beazley: "notify … no later than 60 days" for the incident, and "all proofs of loss must be provided … no later
    than 6 months after the end of the Policy Period": handing over the numbers is the proof of loss, even when the
    question also says "after the policy year ends" (which is no run-off question)."""
    text = ("The Named Insured must notify the Underwriters as soon as practicable, but in no event later than 60 days after "
            "the end of the Policy Period. All loss described in this paragraph must be reported, and all proofs of loss "
            "must be provided, to the Underwriters no later than 6 months after the end of the Policy Period.")
    q = "how long after the policy year ends do we have to hand Beazley the numbers proving our lost income?"
    assert pick_figure(q, text) == "6 months"
    assert pick_figure("how soon must we notify them?", text) == "60 days"


def test_the_data_that_got_out_names_personal_information():
    said = {p for c, _ in concepts_in("customer SSNs were exposed and the client is suing") for p in c.policies_say}
    assert "personally identifiable information" in said and "privacy" not in said


def test_what_cut_we_carry_asks_the_share():
    items = "Item 5. Cyber Extortion Sublimit: $500,000 in the aggregate. Item 8. Coinsurance: the Insured shall bear 20% of all Cyber Extortion Loss."
    assert question_asks("and what cut of them did we have to carry ourselves?") == "figure"
    assert pick_figure("and what cut of them did we have to carry ourselves?", items) == "20%"


def test_how_many_people_asks_for_a_count_not_an_amount():
    """At-Bay's "Does the Applicant store or process personal, health or credit card information of more than 500,000
    individuals?": "above how many people's records?" is answered 500,000; "how many days?" still wants a period."""
    q2 = "02. Does the Applicant store or process personal, health or credit card information of more than 500,000 individuals? Limit $1,000,000."
    assert pick_figure("above how many people's records does the question flip to yes?", q2) == "500,000"
    assert pick_figure("how many days do we have?", "notice within 30 days; limit $1,000,000") == "30 days"


def test_whether_someone_else_is_allowed_to_is_a_permission_question():
    assert question_asks("Our office manager handles paperwork. Is she allowed to put her name to the form?") == "permission"


@pytest.mark.parametrize("question,phrase", [
    ("can we bill them for our devs' hours fixing and redeploying the buggy release?", "re-perform"),
    ("a customer's digital-coin holdings were emptied through a server we run", "crypto asset"),
    ("our sysadmin's typo took prod down for 10 hrs, no hack", "operational error"),
    ("our ancient NAS that the manufacturer retired years ago died", "original equipment manufacturer"),
    ("the customer wants the implementation fee returned - is handing back our fee funded?", "reduction or restitution"),
])
def test_everyday_words_reach_the_wordings_terms(question, phrase):
    assert phrase in {p for c, _ in concepts_in(question) for p in c.policies_say}


@pytest.mark.parametrize("question", [
    "our COO sits through depositions all week. do they reimburse her lost pay, and up to what per day?",
    "Is there a ceiling on what they'd put toward a jury award meant to punish us?",
    "After bad press about our breach, over what period do they measure the profit we lose?",
    "When is our signed, sworn write-up of the loss due?",
])
def test_figure_questions_asked_without_how_much(question):
    assert question_asks(question) == "figure"


def test_a_call_said_to_cover_the_notice_obligation_is_asked_as_notice():
    written = _cite("notice", "Notice of any Claim must be given to us in writing at the address in the Declarations.")
    kind, line = verdict("We called the breach line right away — that covers our notice obligation, yeah?", [written], [written.quote])
    assert kind == "no" and line.startswith("No — a call is not notice"), line


def test_a_definition_leading_the_answer_that_leaves_the_subject_out_answers_no():
    damages = _cite("limit", "E. Damages means a monetary judgment. Damages shall not include the return, reduction or "
                             "restitution of fees, up to the limit stated in the Declarations.")
    q = "Client wants their $40k of fees returned. Would they pay that back?"
    assert verdict(q, [damages], [damages.quote])[0] == "depends"  # without the caller's finding, the limit speaks
    kind, line = verdict(q, [damages], [damages.quote], naming_exclusion=damages)
    assert kind == "no" and line.startswith("Probably not — the definition (VII. CONDITIONS §C, p. 10) leaves this out"), line


def test_going_after_the_vendor_names_subrogation_by_name_and_recovery_alone_does_not():
    (sub, _), = [(c, p) for c, p in concepts_in("If they pay our claim, can they then go after the vendor whose bug caused it?")
                 if "subrogation" in c.policies_say]
    assert sub.by_name and "recovery" not in sub.policies_say  # data recovery is no right of recovery


def test_lost_customers_name_reputational_harm_by_name_and_miners_name_cryptojacking():
    rep = [c for c, _ in concepts_in("after the breach we lost a bunch of customers, do they pay for the hit to our reputation?")]
    assert any(c.by_name and "reputational harm" in c.policies_say for c in rep)
    assert not any(c.by_name and "reputational harm" in c.policies_say for c, _ in concepts_in("can we get a PR firm paid for?"))
    walked = "The breach made the local paper and two customers walked. Do they pay for the revenue we lose because people don't trust us anymore?"
    assert any(c.by_name and "reputational harm" in c.policies_say for c, _ in concepts_in(walked))
    assert any("cryptojacking" in c.policies_say for c, _ in concepts_in("attackers run miners on our servers"))


def test_a_clause_binding_the_insured_answers_must_we_whatever_its_heading():
    adr = _cite("other", "K. Alternative Dispute Resolution Any dispute arising out of or relating to the Policy will first be "
                         "submitted to non-binding mediation administered by a mediation facility.")
    kind, line = verdict("coverage fight w/ the insurer — do we have to mediate before we can sue them?", [adr], [adr.quote])
    assert kind == "yes" and line.startswith("Yes — the wording requires it (VII. CONDITIONS §C, p. 10)"), line
    plain = _cite("other", "K. Estates, heirs and legal representatives are insureds for claims against the deceased.")
    assert not verdict("do we have to tell them if a director dies?", [plain], [plain.quote])[1].startswith("Yes — the wording requires it")


def test_a_denial_of_service_attack_is_named_by_wordings_that_deal_with_it():
    found = [c for c, _ in concepts_in("Is there a vendor on the list for fending off a flood-the-website attack?")]
    assert any(c.by_name and "denial of service" in c.policies_say for c in found)


def test_does_the_wording_say_anything_is_no_part_of_its_own():
    """"r we ok if IT is a month behind on updates? does the coalition wording say anything?" asks one thing; "does it
    say anything about war?" still asks its own."""
    assert split_parts("r we ok if IT is a month behind on updates? does the coalition wording say anything?") == [
        "r we ok if IT is a month behind on updates? does the coalition wording say anything?"]
    assert split_parts("is ransomware covered? and does it say anything about war?") == [
        "is ransomware covered?", "does it say anything about war?"]


def test_a_court_of_competent_jurisdiction_names_no_territory():
    """Territory is a by-name subject: Beazley's "a court of competent jurisdiction" and Embroker's law "most favorable to
    the Insured" in an "applicable jurisdiction" do not make "is the cover worldwide?" answerable; a territory clause does."""
    from collections import Counter

    from vectorstore.text import tokens

    territory = next(c for c, _ in concepts_in("is the embroker part worldwide?") if c.by_name)
    for text in ("judgment in a court of competent jurisdiction", "the applicable jurisdiction most favorable to the Insured",
                 "any Claim brought in the name of the Insured"):
        assert not territory.named_in(Counter(tokens(text)), lambda: [text]), text
    clause = "This Policy applies to Wrongful Acts committed anywhere in the world."
    assert territory.named_in(Counter(tokens(clause)), lambda: [clause])
    assert any("other insurance" in c.policies_say for c, _ in concepts_in("We have another cyber policy too. Which pays?"))


def test_how_regularly_asks_a_frequency_and_the_most_it_can_cost_asks_a_price():
    backups = "B. Backups shall be tested at least once every six months and kept offline for 30 days."
    assert question_asks("how regularly must we prove we can bring data back from our saved copies?") == "figure"
    assert pick_figure("how regularly must we prove we can bring data back from our saved copies?", backups) == "at least once every six months"
    tail = "C. OPTIONAL EXTENDED REPORTING PERIOD: 1 year for 100%, 2 years for 150% or 3 years for 200% of the annual premium, if requested within 30 days."
    assert pick_figure("What's the most the run-off reporting option can cost?", tail) in ("100%", "200%")
    assert question_asks("What's the most the run-off reporting option can cost?") == "figure"


def test_proper_names_are_read_only_among_the_words_asked_for():
    from bot.vocabulary import proper_names

    q = "is crowdstrike on the panel, or only kroll?"
    assert proper_names(q) >= {"crowdstrik"} and "panel" not in proper_names(q)
    assert proper_names(q, among=lambda stem: stem == "crowdstrik") == {"crowdstrik"}
    assert proper_names(q, among=lambda stem: False) == frozenset()


def test_everyday_names_for_responders_and_the_hotline_deadline():
    """Who investigates a breach, as users name them, is the wording's forensic or incident response cost; words match
    on stems, so the entry says "incident responders", never "responders" ("does the policy respond?")."""
    from bot.verdict import role_unit

    forensic = [c for c, _ in concepts_in("can I get our usual DFIR shop started before they sign off?")]
    assert any("forensic" in c.policies_say for c in forensic)
    assert not any("forensic" in c.policies_say for c, _ in concepts_in("our platform was down, does the policy respond?"))
    assert role_unit("how long after discovering an incident do we have to call the hotline?") == "period"
    assert role_unit("what number do we call?") == "phone"


def test_a_definition_leaving_out_loss_without_the_control_answers_a_story_without_it():
    """A story saying the payment change was not checked ("Nobody phoned the vendor to double-check") of a wording whose
    Fraudulent Instruction leaves out instructions "not first authenticated via a method other than the original means of
    request" is answered "probably not", from the definition; the same story with the check done stays covered."""
    cover = _cite("coverage", "We will pay for loss resulting from a Fraudulent Instruction.")
    text = ("Fraudulent Instruction will not include loss arising out of: 1. fraudulent instructions received by the Insured "
            "which are not first authenticated via a method other than the original means of request.")
    defn = _next_cite("DEFINITIONS > Fraudulent Instruction", 9, "definition", text)
    story = ("AP got an email that looked like it came from our hosting vendor saying their bank details had changed, and paid "
             "$60k to the new account. Nobody phoned the vendor to double-check. Is that covered?")
    kind, sentence = verdict(story, [cover, defn], [cover.quote, text])
    assert kind == "no" and "leaves out loss where this was not done (DEFINITIONS §Fraudulent Instruction, p. 9)" in sentence
    checked = story.replace("Nobody phoned the vendor to double-check", "We phoned the vendor on a known number to check")
    assert verdict(checked, [cover, defn], [cover.quote, text])[0] != "no"


def test_ransomware_is_named_by_what_it_does_to_systems():
    # "paying off criminals who lock our systems", "we got cryptolocked": the extortion wording's subject
    for q in ("does the endorsement change anything about paying off criminals who lock our systems?", "we got cryptolocked overnight"):
        assert any("extortion" in c.policies_say for c, _ in concepts_in(q)), q


def test_a_business_the_insurer_will_not_write_is_a_no():
    """"Can At-Bay even write us?" of a cannabis or betting business, of a form saying "We are not able to bind policies for
    any company that operates in one of our restricted industries: Gambling, Adult Content or Cannabis": no, quoting that
    sentence with the list after its colon. A business it does not name, or a question about what the form asks, is not."""
    from bot.verdict import refusal_named, subject_test

    form = ("Applicant's number of employees. We are not able to bind policies for any company that operates in one of our "
            "restricted industries: Gambling, Adult Content or Cannabis. Please contact our underwriting team with questions.")
    for q in ("We build a delivery app for cannabis dispensaries. Can At-Bay even write us?",
              "Our client builds online betting games. Can At-Bay put a policy in place for them?",
              "new prospect is a marijuana delivery app, can they even quote them on this short form?"):
        subjects = [c for c, _ in concepts_in(q)]
        # "cannabis" is one word: specific where few of the wording's clauses use it, as the pipeline decides
        kind, sentence = verdict(q, [_cite("other", form)], [form], subjects=subjects, specific=lambda p: True)
        assert kind == "no" and sentence.startswith("No — the insurer does not write this business"), (q, sentence)
        assert refusal_named(q, form, subject_test(subjects, lambda p: True)) == (
            "We are not able to bind policies for any company that operates in one of our restricted industries: Gambling, "
            "Adult Content or Cannabis."), q
    other = "We run a dental clinic booking app. Can At-Bay even write us?"
    assert verdict(other, [_cite("other", form)], [form], subjects=[c for c, _ in concepts_in(other)], specific=lambda p: True)[0] != "no"
    asks = "does the at-bay form ask whether we sell cannabis?"
    subjects = [c for c, _ in concepts_in(asks)]
    assert refusal_named(asks, form, subject_test(subjects, lambda p: True)) is None
    # "our best bet" names no wager, and "weed out" no cannabis: neither is a restricted business
    assert not concepts_in("what's our best bet for getting the ransom back?") or all(
        "gambling" not in c.policies_say for c, _ in concepts_in("what's our best bet for getting the ransom back?"))
    assert all("cannabis" not in c.policies_say for c, _ in concepts_in("how do we weed out fake invoices?"))


def test_a_cover_naming_the_peril_is_not_undone_by_an_exclusion_about_something_else_the_story_names():
    """"Crypto miner on our servers spiked our power + AWS bill — covered?" of a cover for cryptojacking beside an exclusion
    of utility failure (the story's "power"): the cover that names the peril answers yes. An exclusion that names the peril
    itself still decides."""
    q = "crypto miner on our servers spiked our power + aws invoice. covered?"
    cover = ("UNAUTHORIZED USE OF COMPUTER RESOURCES We agree to reimburse you for loss associated with increased electricity "
             "costs and cloud service billing as a direct result of cryptojacking.")
    power = "49. Power and utility failure arising directly or indirectly out of any failure, disruption or reduction in the supply of utilities."
    mining = "27. Cryptojacking, cryptomining or any unauthorised use of computer resources to mine digital currency."
    subjects = [c for c, _ in concepts_in(q)]
    two = [_cite("coverage", cover), _next_cite("EXCLUSIONS > 49", 29, "exclusion", power)]
    rare = lambda p: True  # noqa: E731 - "cryptojacking" is one word, specific where few clauses use it
    assert verdict(q, two, [cover, power], subjects=subjects, specific=rare)[0] == "yes"
    both = [_cite("coverage", cover), _next_cite("EXCLUSIONS > 27", 26, "exclusion", mining)]
    assert verdict(q, both, [cover, mining], subjects=subjects, specific=rare)[0] == "no"


def test_a_minimum_count_is_the_figure_for_how_many():
    """"How many bids do they want before approving a mailing vendor?" of "requires proposals from at least three providers
    for approval of services": the minimum with what it counts. A period set as a minimum is no count."""
    panel = ("These vendors assist with mailing and printing notifications. AXA XL requires proposals from at least three "
             "providers for approval of services.")
    assert question_asks("how many quotes do we need before they'll approve one?") == "figure"
    assert pick_figure("how many quotes do we need before they'll approve one?", panel) == "at least three providers"
    assert pick_figure("how many proposals does AXA XL want?", "proposals from a minimum of 2 (two) vendors") == "a minimum of 2"
    assert pick_figure("how many staff must do the training?", "training at least once every 12 months for at least 30 days") is None


def test_a_figure_is_read_from_the_clause_naming_the_subject_when_the_best_does_not():
    """"For how long will Coalition fund credit monitoring?" led by "Breach response services will be provided for a
    maximum of 72 hours" with "costs to provide up to two years … of a credit or identity monitoring" beside it: two
    years. With no subject named, the best clause's figure stays the answer."""
    q = "We have to offer credit monitoring to 3,000 customers after a leak. For how long will Coalition fund it?"
    service = "Breach response services will be provided for a maximum of 72 hours following your notification to us."
    monitoring = ("7. costs to provide up to two years (or longer if required by law) of a credit or identity monitoring "
                  "service to affected individuals.")
    cites = [_cite("limit", service), _next_cite("DEFINITIONS > 7", 18, "definition", monitoring)]
    kind, sentence = verdict(q, cites, [service, monitoring], subjects=[c for c, _ in concepts_in(q)])
    assert kind == "figure" and sentence.startswith("two years"), sentence
    plain = "For how long will they fund it?"
    assert verdict(plain, cites, [service, monitoring], subjects=[c for c, _ in concepts_in(plain)])[1].startswith("72 hours")


def test_an_expert_who_tells_us_something_is_no_notice_and_up_to_what_asks_a_cap():
    """"Will they pay an outside expert to tell us how to harden things? Up to what?" asks the cap, not a notice period:
    "tell us" is not telling the insurer."""
    clause = ("Subject to a sublimit of $100,000, we shall pay the costs of an outside expert to recommend improvements, "
              "provided you notify us within thirty (30) days.")
    assert pick_figure("will they pay for an outside expert to tell us how to harden things? up to what?", clause) == "$100,000"
    assert pick_figure("how long do we have to tell them?", clause) == "thirty (30) days"


def test_a_loss_below_the_amount_a_cover_starts_above_is_a_no():
    """"We wired 18k to the scammer — covered or too small?" of a cover for loss "which exceeds the greater of $25,000 or
    Your Retention": probably not. $60k, or a question naming no amount, is left to the rest of the verdict."""
    from ingestion.figures import money_values

    assert money_values("Finance wired $18k to a fake supplier. Our retention is $10k.") == [18000.0, 10000.0]
    assert money_values("USD 50,000 and $1.5 million, 30 staff, 2 offices") == [50000.0, 1500000.0]
    cover = ("9. Social Engineering and Funds Transfer Fraud. We shall indemnify You for Social Engineering Loss which "
             "exceeds the greater of $25,000 or Your Retention as stated in the Declarations.")
    small = "fake vendor email, we wired 18k to the scammer. is that covered or too small?"
    kind, sentence = verdict(small, [_cite("coverage", cover)], [cover])
    assert kind == "no" and "above $25,000" in sentence, sentence
    assert verdict("fake vendor email, we wired $60,000 to the scammer. is that covered?", [_cite("coverage", cover)], [cover])[0] == "yes"
    assert verdict("fake vendor email, we wired money to the scammer. is that covered?", [_cite("coverage", cover)], [cover])[0] == "yes"


def test_the_insurers_own_response_time_is_no_notice_deadline():
    """"We aim to respond to a complaint … within 15 business days" is the insurer's service time: "how fast must we tell
    them?" is answered from the clause binding the insured, and from none when only the insurer's time is stated."""
    complaints = ("We aim to respond to a complaint or to a dispute within 15 business days once we have all necessary "
                  "information. If we cannot respond within 15 business days, we shall let you know as soon as practicable "
                  "within the 15 business day time frame.")
    prosecution = "The Insured shall give to the Insurer written notice of any criminal prosecution within fourteen (14) days."
    assert pick_figure("How fast must we tell Swiss Re?", complaints, True) is None
    assert pick_figure("How fast must we tell Swiss Re?", f"{complaints} {prosecution}", True) == "fourteen (14) days"
    # a deadline of the insured's in the same clause as the insurer's reply is kept
    assert pick_figure("how long do we have to report a claim?", "You must report any claim to us within 60 days. We will "
                       "respond within 10 days.", True) == "60 days"
