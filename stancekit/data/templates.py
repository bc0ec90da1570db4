"""Synthetic news-style stance sentences from templates: the semantics real corpora rarely show.

:func:`generate` fills hand-written wire-copy templates with entities from fixed lists, never a person's name
(countries by their name, capital or leader title; organisations, treaties and deals by their name), and asks each
sentence one or two (holder, target) questions. The template families (the rows' ``group``):

- ``membership``: the holder joins / ratifies / rejoins (favor) or leaves / quits / suspends (against) a body or pact;
- ``hedged_membership``: "is considering leaving", "does not rule out quitting" (against) versus "denied plans to
  leave", "ruled out leaving", "will stay in despite criticism" (favor);
- ``help_refused``: the holder asked the target for help that was refused or never came, and says so with
  disappointment (holder against target); the reverse question (the target's stance is not stated) is ``none``;
- ``accusation_praise``: "X accused Y of ...", "Y was praised by X ...", reported speech; the reverse is ``none``;
- ``third_party``: a host only mentioned (host toward Y: ``none``) while a third party condemns or praises Y;
- ``neutral``: meetings, visits, trade figures, scheduled talks (``none`` both ways).

Rows carry ``split``: templates, not rows, are split 80/10/10 into train / validation / test (by a hash of the
template id, independent of the seed), so no template is seen in two splits; and ``template`` (the template id).
The corpus loader (``news-templates`` in :mod:`stancekit.data.corpora`) drops both.
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass

# ------------------------------------------------------------------------------------------------ entities


@dataclass(frozen=True)
class Country:
    name: str  # the plain name, used as holder / target
    text: str  # how a sentence writes the name ("the Philippines")
    capital: str
    adjective: str
    leader: str  # "president", "prime minister", ...

    @property
    def title(self) -> str:
        return f"the {self.adjective} {self.leader}"


def _c(name: str, capital: str, adjective: str, leader: str, text: str = "") -> Country:
    return Country(name, text or name, capital, adjective, leader)


COUNTRIES: tuple[Country, ...] = (
    _c("Ghana", "Accra", "Ghanaian", "president"),
    _c("Turkey", "Ankara", "Turkish", "president"),
    _c("Germany", "Berlin", "German", "chancellor"),
    _c("France", "Paris", "French", "president"),
    _c("Japan", "Tokyo", "Japanese", "prime minister"),
    _c("India", "New Delhi", "Indian", "prime minister"),
    _c("Brazil", "Brasilia", "Brazilian", "president"),
    _c("Kenya", "Nairobi", "Kenyan", "president"),
    _c("Nigeria", "Abuja", "Nigerian", "president"),
    _c("Egypt", "Cairo", "Egyptian", "president"),
    _c("South Africa", "Pretoria", "South African", "president"),
    _c("Canada", "Ottawa", "Canadian", "prime minister"),
    _c("Mexico", "Mexico City", "Mexican", "president"),
    _c("Argentina", "Buenos Aires", "Argentine", "president"),
    _c("Chile", "Santiago", "Chilean", "president"),
    _c("Colombia", "Bogota", "Colombian", "president"),
    _c("Peru", "Lima", "Peruvian", "president"),
    _c("Poland", "Warsaw", "Polish", "prime minister"),
    _c("Hungary", "Budapest", "Hungarian", "prime minister"),
    _c("Italy", "Rome", "Italian", "prime minister"),
    _c("Spain", "Madrid", "Spanish", "prime minister"),
    _c("Portugal", "Lisbon", "Portuguese", "prime minister"),
    _c("Greece", "Athens", "Greek", "prime minister"),
    _c("Sweden", "Stockholm", "Swedish", "prime minister"),
    _c("Norway", "Oslo", "Norwegian", "prime minister"),
    _c("Finland", "Helsinki", "Finnish", "president"),
    _c("Austria", "Vienna", "Austrian", "chancellor"),
    _c("Serbia", "Belgrade", "Serbian", "president"),
    _c("Romania", "Bucharest", "Romanian", "president"),
    _c("Ukraine", "Kyiv", "Ukrainian", "president"),
    _c("Russia", "Moscow", "Russian", "president"),
    _c("Kazakhstan", "Astana", "Kazakh", "president"),
    _c("Iran", "Tehran", "Iranian", "president"),
    _c("Iraq", "Baghdad", "Iraqi", "prime minister"),
    _c("Saudi Arabia", "Riyadh", "Saudi", "crown prince"),
    _c("Qatar", "Doha", "Qatari", "emir"),
    _c("Jordan", "Amman", "Jordanian", "king"),
    _c("Morocco", "Rabat", "Moroccan", "king"),
    _c("Ethiopia", "Addis Ababa", "Ethiopian", "prime minister"),
    _c("Senegal", "Dakar", "Senegalese", "president"),
    _c("Indonesia", "Jakarta", "Indonesian", "president"),
    _c("Malaysia", "Kuala Lumpur", "Malaysian", "prime minister"),
    _c("Vietnam", "Hanoi", "Vietnamese", "prime minister"),
    _c("Thailand", "Bangkok", "Thai", "prime minister"),
    _c("Philippines", "Manila", "Philippine", "president", "the Philippines"),
    _c("South Korea", "Seoul", "South Korean", "president"),
    _c("Australia", "Canberra", "Australian", "prime minister"),
    _c("New Zealand", "Wellington", "New Zealand", "prime minister"),
    _c("Pakistan", "Islamabad", "Pakistani", "prime minister"),
    _c("Bangladesh", "Dhaka", "Bangladeshi", "prime minister"),
    _c("Sri Lanka", "Colombo", "Sri Lankan", "president"),
    _c("Britain", "London", "British", "prime minister"),
    _c("United States", "Washington", "US", "president", "the United States"),
    _c("China", "Beijing", "Chinese", "president"),
    _c("Tanzania", "Dodoma", "Tanzanian", "president"),
    _c("Uganda", "Kampala", "Ugandan", "president"),
    _c("Zambia", "Lusaka", "Zambian", "president"),
    _c("Mali", "Bamako", "Malian", "interim president"),
    _c("Algeria", "Algiers", "Algerian", "president"),
    _c("Cuba", "Havana", "Cuban", "president"),
    _c("Venezuela", "Caracas", "Venezuelan", "president"),
    _c("Ecuador", "Quito", "Ecuadorian", "president"),
    _c("Uruguay", "Montevideo", "Uruguayan", "president"),
    _c("Mongolia", "Ulaanbaatar", "Mongolian", "president"),
    _c("Uzbekistan", "Tashkent", "Uzbek", "president"),
    _c("Nepal", "Kathmandu", "Nepali", "prime minister"),
)


@dataclass(frozen=True)
class Org:
    name: str  # the plain name, used as holder / target
    text: str  # how a sentence writes it ("the European Union")
    kind: str  # alliance, bloc, trade, bank, court, sports, treaty, deal, accord

    @property
    def pact(self) -> bool:
        """A treaty, deal or accord (ratified, signed, honoured) rather than a body with members."""
        return self.kind in ("treaty", "deal", "accord")


def _o(name: str, kind: str, article: bool = True) -> Org:
    return Org(name, f"the {name}" if article else name, kind)


ORGS: tuple[Org, ...] = (
    _o("NATO", "alliance", article=False),
    _o("Shanghai Cooperation Organisation", "alliance"),
    _o("African Union", "bloc"),
    _o("European Union", "bloc"),
    _o("Arab League", "bloc"),
    _o("ASEAN", "bloc", article=False),
    _o("Mercosur", "trade", article=False),
    _o("ECOWAS", "bloc", article=False),
    _o("Commonwealth", "bloc"),
    _o("BRICS", "bloc", article=False),
    _o("Council of Europe", "bloc"),
    _o("World Trade Organization", "trade"),
    _o("OPEC", "trade", article=False),
    _o("Regional Comprehensive Economic Partnership", "trade"),
    _o("Asian Infrastructure Investment Bank", "bank"),
    _o("African Development Bank", "bank"),
    _o("New Development Bank", "bank"),
    _o("International Criminal Court", "court"),
    _o("European Court of Human Rights", "court"),
    _o("Inter-American Court of Human Rights", "court"),
    _o("FIFA", "sports", article=False),
    _o("World Athletics", "sports", article=False),
    _o("Black Sea grain deal", "deal"),
    _o("2015 nuclear deal", "deal"),
    _o("Kyoto Protocol", "accord"),
    _o("Global Methane Pledge", "accord"),
    _o("Open Skies Treaty", "treaty"),
    _o("Arms Trade Treaty", "treaty"),
    _o("Energy Charter Treaty", "treaty"),
    _o("Chemical Weapons Convention", "treaty"),
)

_SECURITY = ("alliance", "bloc")
_LENDERS = ("bank",)


def surface_forms(name: str) -> tuple[str, ...]:
    """Every way a sentence may write the entity called ``name`` (name, capital, leader title)."""
    for c in COUNTRIES:
        if c.name == name:
            return (c.name, c.text, c.capital, c.title)
    for o in ORGS:
        if o.name == name:
            return (o.name, o.text)
    raise KeyError(name)


# ----------------------------------------------------------------------------------------------- fillers

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "March", "April", "May", "June", "July", "September", "October", "November", "December")
# How a sentence says when and from whom a holder's statement came (the holder's own channel).
OWN_SOURCES = (
    "the foreign ministry said on {day}",
    "the foreign ministry said in a statement on {day}",
    "a government spokesperson said on {day}",
    "officials said on {day}",
    "the presidency said late on {day}",
    "according to a statement released on {day}",
    "the government said in a statement",
    "a senior official told reporters on {day}",
    "the foreign minister told parliament on {day}",
    "state media reported on {day}",
    "the foreign ministry said",
    "a spokesperson for the foreign ministry said",
    "officials said",
    "the presidency said in a statement",
    "a government source told reporters",
)
# Attributions that are no party's own (news agencies, diplomats, documents).
PRESS_SOURCES = (
    "state media reported on {day}",
    "news agencies reported on {day}",
    "diplomats said on {day}",
    "according to local media",
    "officials familiar with the matter said",
    "according to a readout of the meeting",
    "a joint statement said",
    "diplomats said",
    "news agencies reported",
)
# Where the sentence already says who spoke ("X said ..."): when and how, after no comma ("" ends it there).
SPEECH_CONTEXTS = (
    "",
    "",
    " on {day}",
    " in a statement on {day}",
    " in a statement",
    " at a news conference on {day}",
    " in a televised address",
    " after a cabinet meeting on {day}",
    " in a post on social media",
)
_SPOKE = re.compile(r"\b(said|warned|insisted|complained|lamented|charged|declared|announced)\b")
ACCUSATIONS = (
    "meddling in its internal affairs",
    "violating the ceasefire",
    "arming separatist groups",
    "blocking grain shipments",
    "spreading disinformation",
    "harbouring militants",
    "failing to honour its commitments",
    "stalling the peace talks",
    "applying double standards",
    "undermining regional stability",
    "illegally detaining its citizens",
    "sabotaging the negotiations",
    "breaching the trade agreement",
    "violating its airspace",
    "stoking tensions on the border",
)
PRAISES = (
    "its humanitarian aid",
    "its support during the floods",
    "its role in brokering the ceasefire",
    "agreeing to restructure its debt",
    "sending medical teams",
    "its help in evacuating civilians",
    "its steadfast support",
    "its mediation efforts",
    "opening its ports to grain exports",
    "its contribution to regional security",
    "its generous earthquake relief",
    "backing its bid to host the summit",
)
# What a holder asks for, by who is asked: a country, an alliance or bloc, a lender.
REQUESTS = {
    "country": (
        "weapons",
        "air defence systems",
        "an emergency loan",
        "fuel supplies",
        "military assistance",
        "vaccines",
        "food aid",
        "a currency swap line",
        "border guards",
        "ammunition",
    ),
    "security": (
        "peacekeepers",
        "military assistance",
        "security guarantees",
        "emergency aid",
        "help in securing its border",
        "monitors along the ceasefire line",
    ),
    "bank": (
        "an emergency loan",
        "budget support",
        "debt relief",
        "financing for a dam project",
        "a bridging loan",
    ),
}
TOPICS = (
    "trade",
    "energy cooperation",
    "border demarcation",
    "visa rules",
    "water sharing",
    "fisheries",
    "a new rail link",
    "fertiliser exports",
    "migration",
    "customs procedures",
    "student exchanges",
    "flight routes",
)
GOODS = ("exports", "imports", "wheat shipments", "gas deliveries", "car exports", "tourist arrivals")


# --------------------------------------------------------------------------------------------- templates


@dataclass(frozen=True)
class Template:
    id: str  # family/kind/number
    family: str
    kind: str  # the sub-group templates are split within ("favor", "against", ...)
    text: str
    # The questions asked of a sentence: (holder slot, target slot, label, probability the question is asked).
    questions: tuple[tuple[str, str, str, float], ...]
    target: str = "country"  # what fills {T}: country, org, body (org, not pact), pact, any, security, lender


def _family(
    family: str, kind: str, questions: tuple[tuple[str, str, str, float], ...], target: str, texts: str
) -> list[Template]:
    lines = [t.strip() for t in texts.strip().splitlines() if t.strip()]
    out = []
    for i, line in enumerate(lines):
        slot_target = target
        if line.startswith("[body] "):
            slot_target, line = "body", line[len("[body] ") :]
        elif line.startswith("[pact] "):
            slot_target, line = "pact", line[len("[pact] ") :]
        elif line.startswith("[org] "):
            slot_target, line = "org", line[len("[org] ") :]
        out.append(Template(f"{family}/{kind}/{i:02d}", family, kind, line, questions, slot_target))
    return out


_MEMBER_FAVOR = (("H", "T", "favor", 1.0), ("T", "H", "none", 0.15))
_MEMBER_AGAINST = (("H", "T", "against", 1.0), ("T", "H", "none", 0.15))
_HEDGED_AGAINST = (("H", "T", "against", 1.0),)
_HEDGED_FAVOR = (("H", "T", "favor", 1.0),)
_REFUSED = (("H", "T", "against", 1.0), ("T", "H", "none", 1.0))
_ACCUSE = (("H", "T", "against", 1.0), ("T", "H", "none", 0.5))
_PRAISE = (("H", "T", "favor", 1.0), ("T", "H", "none", 0.5))
_THIRD_AGAINST = (("H", "T", "none", 1.0), ("Z", "T", "against", 1.0))
_THIRD_FAVOR = (("H", "T", "none", 1.0), ("Z", "T", "favor", 1.0))
_NEUTRAL = (("H", "T", "none", 1.0), ("T", "H", "none", 1.0))

TEMPLATES: tuple[Template, ...] = tuple(
    _family(
        "membership",
        "favor",
        _MEMBER_FAVOR,
        "any",
        """
        [body] {H} formally joined {T} on {day}, becoming its newest member, {src}.
        [body] {H} has applied to join {T}, {src}.
        [pact] {H} ratified {T} on {day}, {src}.
        [body] {H} rejoined {T} after a three-year absence, {src}.
        {H} reaffirmed {its} commitment to {T} at a meeting of foreign ministers, {src}.
        [body] {H} submitted {its} formal application for membership of {T}, {src}.
        [pact] Lawmakers in {Hcap} voted overwhelmingly to ratify {T}, {src}.
        [body] {H} said on {day} {it} would seek full membership of {T} by the end of the year.
        [pact] {H} signed up to {T} during a ceremony on {day}, {src}.
        [body] {H} completed the process of joining {T}, {src}.
        [pact] {H} returned to {T}, reversing a decision taken two years ago, {src}.
        {H} said {it} remained fully committed to {T}, {src}.
        [body] {H} won approval to join {T} and pledged to play an active role in it, {src}.
        [pact] {H} deposited {its} instrument of ratification of {T} on {day}, {src}.
        [body] {H} upgraded {its} status in {T} from observer to full member, {src}.
        {H} pledged on {day} to deepen {its} engagement with {T}.
        [body] {H} announced {it} would rejoin {T}, calling membership vital for the country's future.
        [pact] {H} said {it} would honour all {its} obligations under {T}, {src}.
        [body] Joining {T} is a strategic priority, {H} said on {day}.
        {H} described {T} as indispensable and vowed to strengthen {its} ties with it, {src}.
        [pact] {H} became the latest country to ratify {T}, {src}.
        [body] {H} lodged a bid to become a member of {T}, {src}.
        """,
    )
    + _family(
        "membership",
        "against",
        _MEMBER_AGAINST,
        "any",
        """
        {H} announced on {day} that {it} was leaving {T}, {src}.
        {H} withdrew from {T}, {src}.
        [body] {H} suspended {its} membership in {T} with immediate effect, {src}.
        [body] {H} quit {T} on {day}, saying the body no longer served the country's interests.
        {H} pulled out of {T}, {src}.
        [body] {H} froze {its} participation in {T}, {src}.
        {H} threatened to leave {T}, {src}.
        [pact] {H} formally notified the depositary of {its} withdrawal from {T}, {src}.
        [pact] {H} suspended {its} participation in {T}, {src}.
        [body] {H} has begun the process of leaving {T}, {src}.
        [body] {H} recalled {its} representatives from {T} and stopped paying {its} dues, {src}.
        {H} said on {day} {it} would exit {T} by the end of the year.
        [pact] {H} walked away from {T}, calling it a failure, {src}.
        [pact] Lawmakers in {Hcap} voted to withdraw from {T}, {src}.
        [body] {H} boycotted the summit of {T} and said {it} was reviewing {its} ties with the body, {src}.
        {H} declared on {day} that {it} would no longer take part in {T}.
        [body] {H} announced {it} was severing {its} ties with {T}, {src}.
        {H} denounced {T} and announced {its} withdrawal, {src}.
        [body] {H} will leave {T} next month, {src}.
        [pact] {H} said {it} would no longer be bound by {T}, {src}.
        [body] {H} said {it} had decided to end {its} membership of {T}, {src}.
        {H} called {T} useless and said {it} would quit, {src}.
        [body] {H} refused to attend meetings of {T} and suspended {its} contributions, {src}.
        [pact] {H} tore up {its} commitments under {T} on {day}, {src}.
        """,
    )
    + _family(
        "hedged_membership",
        "against",
        _HEDGED_AGAINST,
        "any",
        """
        {H} is considering leaving {T}, {src}.
        {H} does not rule out quitting {T}, {src}.
        {H} warned on {day} that {it} could withdraw from {T}.
        [body] {H} may reconsider {its} membership of {T}, {src}.
        {H} said {it} could pull out of {T} if {its} concerns were not addressed.
        {H} has not ruled out leaving {T}, {src}.
        [body] {H} said {it} was reviewing {its} membership in {T}, {src}.
        {H} said {its} continued participation in {T} was now in doubt, {src}.
        [body] {H} hinted on {day} that {it} might freeze {its} participation in {T}.
        {H} said {it} was weighing whether to stay in {T}, {src}.
        {H} warned that {it} would leave {T} unless the rules were changed, {src}.
        [body] {H} signalled {it} could suspend {its} membership of {T}, {src}.
        {H} said quitting {T} was an option on the table, {src}.
        [pact] {H} said {it} could stop implementing {T} if sanctions were not lifted, {src}.
        {H} said {it} saw little point in remaining in {T}, {src}.
        [body] {H} questioned the value of {its} membership in {T} and said all options were open, {src}.
        {H} refused to rule out an exit from {T}, {src}.
        [pact] {H} threatened on {day} to walk away from {T}.
        {H} said {it} would decide by the end of the month whether to remain in {T}, {src}.
        """,
    )
    + _family(
        "hedged_membership",
        "favor",
        _HEDGED_FAVOR,
        "any",
        """
        {H} denied plans to leave {T}, {src}.
        {H} has no intention of quitting {T} and remains committed to it, {src}.
        {H} ruled out leaving {T}, {src}.
        {H} said {it} would stay in {T} despite criticism at home, {src}.
        {H} dismissed reports that {it} was preparing to withdraw from {T}, {src}.
        {H} said on {day} {it} was not considering an exit from {T}.
        {H} rejected calls to pull out of {T}, {src}.
        [body] {H} insisted {its} membership of {T} was not up for debate, {src}.
        Talk of {H} quitting {T} is groundless, {src}.
        {H} said {it} would never abandon {T}, {src}.
        {H} said leaving {T} was out of the question, {src}.
        [pact] {H} said {it} would keep implementing {T} despite pressure from abroad, {src}.
        [body] Despite growing frustration, {H} said {it} would not suspend {its} membership of {T}, {src}.
        {H} rebuffed demands to withdraw from {T}, {src}.
        {H} denied that {it} had threatened to leave {T}, {src}.
        [body] {H} said {it} would remain an active member of {T}, {src}.
        {H} brushed aside speculation about an exit from {T} and said {it} would stay, {src}.
        """,
    )
    + _family(
        "help_refused",
        "against",
        _REFUSED,
        "any",
        """
        {H} asked {T} for {req}, but the request was refused, and {H2} said it was deeply disappointed, {src}.
        {H} said {T} had ignored {its} repeated requests for {req}, {src}.
        {H} criticised {T} for failing to deliver {req} as promised, {src}.
        {H} complained on {day} that {T} never delivered {req}.
        {H} said {it} had turned to {T} for {req} but had been left empty-handed, calling it a betrayal.
        {T} turned down a request from {H} for {req}, and {H2} said it felt abandoned, {src}.
        {H} expressed disappointment after {T} rejected {its} appeal for {req}, {src}.
        {H} said {it} could no longer count on {T} after {its} request for {req} went unanswered, {src}.
        {H} lamented that {T} had stood by while {it} waited in vain for {req}, {src}.
        {H} accused {T} of abandoning {it} after a request for {req} was turned down, {src}.
        Months after {H} asked {T} for {req}, nothing has arrived, and {H2} said its patience was running out.
        {H} said {it} was let down by {T}, which declined to provide {req}, {src}.
        {H} said {T} had failed the country in its hour of need by refusing {req}, {src}.
        {H} voiced frustration on {day} that {T} had still not responded to {its} plea for {req}.
        {H} said the refusal of {T} to provide {req} was a betrayal, {src}.
        {H} said {it} had been promised {req} by {T} but the promise was never kept, {src}.
        Angered that {T} would not provide {req}, {H} said {it} would look for other partners, {src}.
        {H} denounced {T} for ignoring {its} call for {req}, {src}.
        {H} said {it} regretted that {T} had shelved {its} request for {req}, {src}.
        When {H} asked {T} for {req}, the answer was no, {H2} said bitterly on {day}.
        """,
    )
    + _family(
        "accusation_praise",
        "against",
        _ACCUSE,
        "country",
        """
        {H} accused {T} of {accusation}, {src}.
        {H} on {day} accused {T} of {accusation}.
        {T} was criticised by {H} for {accusation}, {src}.
        {T} has been accused by {H} of {accusation}, {src}.
        {H} said {T} was guilty of {accusation}, {src}.
        According to {H}, {T} has been {accusation}.
        {H} condemned {T} for {accusation}, {src}.
        {H} blamed {T} for {accusation}, {src}.
        {H} lashed out at {T} on {day} for {accusation}.
        {T} came under fire from {H} for {accusation}, {src}.
        {H} said {it} held {T} responsible for {accusation}, {src}.
        {H} summoned the ambassador of {Tn} and accused the government there of {accusation}, {src}.
        {H} said {T} could not be trusted after {accusation}, {src}.
        {H} rebuked {T} for {accusation}, {src}.
        In a strongly worded statement, {H} denounced {T} for {accusation}.
        {T} was condemned by {H} on {day} for {accusation}.
        {H} told reporters that {T} was {accusation} and must stop.
        {H} charged that {T} had been {accusation}, {src}.
        {T} did not immediately respond to accusations by {H} of {accusation}.
        [org] {H} accused {T} of {accusation}, {src}.
        [org] {H} said {T} was guilty of {accusation}, {src}.
        """,
    )
    + _family(
        "accusation_praise",
        "favor",
        _PRAISE,
        "country",
        """
        {H} praised {T} for {praise}, {src}.
        {H} thanked {T} for {praise}, {src}.
        {T} was praised by {H} for {praise}, {src}.
        {H} hailed {T} for {praise}, {src}.
        {H} said {it} was grateful to {T} for {praise}, {src}.
        {T} won praise from {H} on {day} for {praise}.
        {H} commended {T} for {praise}, {src}.
        {H} called {T} a true friend and thanked it for {praise}, {src}.
        {H} on {day} expressed {its} gratitude to {T} for {praise}.
        {T} was thanked by {H} for {praise}, {src}.
        According to {H}, {T} has been a reliable partner, not least for {praise}.
        {H} said {T} deserved credit for {praise}, {src}.
        {H} paid tribute to {T} for {praise}, {src}.
        {H} told reporters {it} was thankful to {T} for {praise}.
        [org] {H} praised {T} for {praise}, {src}.
        [org] {H} thanked {T} for {praise}, {src}.
        [org] {T} was praised by {H} for {praise}, {src}.
        """,
    )
    + _family(
        "third_party",
        "against",
        _THIRD_AGAINST,
        "country",
        """
        {H} hosted talks on {day} at which {Z} condemned {T} for {accusation}.
        At a conference in {Hcap}, {Z} accused {T} of {accusation}, {psrc}.
        During a visit to {Hn}, {Z} criticised {T} for {accusation}, {psrc}.
        {H} said {it} had received a delegation from {Zn}, which accused {T} of {accusation}.
        Speaking at a summit hosted by {H}, {Z} denounced {T} for {accusation}.
        {H} confirmed that {Z} had used the meeting in {Hcap} to attack {T} over {accusation}.
        After talks with {H}, {Z} told reporters that {T} was {accusation}.
        {Z} blamed {T} for {accusation} during a trip to {Hn}, {psrc}.
        {H} published the minutes of the meeting, in which {Z} accused {T} of {accusation}.
        On the sidelines of a forum in {Hcap}, {Z} condemned {T} for {accusation}, {psrc}.
        {H}'s mediators listened as {Z} accused {T} of {accusation}, {psrc}.
        """,
    )
    + _family(
        "third_party",
        "favor",
        _THIRD_FAVOR,
        "country",
        """
        {H} hosted talks on {day} at which {Z} praised {T} for {praise}.
        At a conference in {Hcap}, {Z} thanked {T} for {praise}, {psrc}.
        During a visit to {Hn}, {Z} hailed {T} for {praise}, {psrc}.
        {H} said {it} had received a delegation from {Zn}, which praised {T} for {praise}.
        Speaking at a summit hosted by {H}, {Z} commended {T} for {praise}.
        After talks with {H}, {Z} told reporters that {T} deserved credit for {praise}.
        On the sidelines of a forum in {Hcap}, {Z} expressed gratitude to {T} for {praise}, {psrc}.
        {H} relayed a message in which {Z} thanked {T} for {praise}.
        {Z} paid tribute to {T} for {praise} during a trip to {Hn}, {psrc}.
        """,
    )
    + _family(
        "neutral",
        "none",
        _NEUTRAL,
        "country",
        """
        {H} and {T} held talks on {topic} on {day}, {psrc}.
        The foreign ministers of {Hn} and {Tn} met in {Hcap} on {day} to discuss {topic}.
        {H} will host a delegation from {Tn} next week for talks on {topic}, {psrc}.
        Trade between {Hn} and {Tn} rose {pct} percent last year to ${amount} billion, customs data showed.
        {Hn}'s {goods} to {Tn} fell {pct} percent in {month}, official figures showed.
        {H} and {T} are scheduled to resume talks on {topic} in {month}, {psrc}.
        The foreign minister of {Tn} arrived in {Hcap} on {day} for a two-day visit.
        {H} and {T} signed a memorandum on {topic} on {day}, {psrc}.
        A delegation from {Hn} visited {Tcap} on {day} to discuss {topic}.
        {H} received the credentials of the new ambassador of {Tn} on {day}.
        Officials from {Hn} and {Tn} will meet in {month} to review {topic}, {psrc}.
        {H} said a joint commission with {Tn} would convene in {month} to discuss {topic}.
        {Hn}'s {goods} to {Tn} reached ${amount} billion in the first half of the year, statistics showed.
        The leaders of {Hn} and {Tn} spoke by phone on {day} about {topic}, {psrc}.
        {H} and {T} agreed to set up a working group on {topic}, {psrc}.
        A ministerial meeting between {Hn} and {Tn} on {topic} has been postponed to {month}, {psrc}.
        {H} sent a trade mission to {Tcap} this week, {psrc}.
        [org] {H} attended a meeting of {T} in {Zcap} on {day}, {psrc}.
        [org] Officials of {T} visited {Hcap} on {day} for talks on {topic}, {psrc}.
        [org] {H} and {T} discussed {topic} at a meeting on {day}, {psrc}.
        """,
    )
)

# How many sentences each (family, kind) contributes (about 6,000 rows once the questions are asked).
QUOTAS: dict[tuple[str, str], int] = {
    ("membership", "favor"): 700,
    ("membership", "against"): 800,
    ("hedged_membership", "against"): 500,
    ("hedged_membership", "favor"): 500,
    ("help_refused", "against"): 450,
    ("accusation_praise", "against"): 400,
    ("accusation_praise", "favor"): 400,
    ("third_party", "against"): 200,
    ("third_party", "favor"): 150,
    ("neutral", "none"): 200,
}

# ------------------------------------------------------------------------------------------------ splits

_VALIDATION_FRACTION = 0.1
_TEST_FRACTION = 0.1


def _hash(key: str) -> str:
    return hashlib.sha1(key.encode("utf-8")).hexdigest()


def template_splits() -> dict[str, str]:
    """Template id -> ``train`` / ``validation`` / ``test``: within each (family, kind), templates ordered by a hash of
    their id, 10% (at least one) to test, 10% (at least one) to validation, the rest to train. Seed-independent."""
    groups: dict[tuple[str, str], list[str]] = {}
    for t in TEMPLATES:
        groups.setdefault((t.family, t.kind), []).append(t.id)
    out: dict[str, str] = {}
    for ids in groups.values():
        ids = sorted(ids, key=_hash)
        n_test = max(1, round(_TEST_FRACTION * len(ids)))
        n_val = max(1, round(_VALIDATION_FRACTION * len(ids)))
        for i, tid in enumerate(ids):
            out[tid] = "test" if i < n_test else "validation" if i < n_test + n_val else "train"
    return out


# ------------------------------------------------------------------------------------------------ filling

Entity = Country | Org
_HOLDER_FORMS = (0.4, 0.3, 0.3)  # name, capital, leader title
_OTHER_FORMS = (0.6, 0.2, 0.2)
_POSSESSIVE_S = re.compile(r"\b(\w*s)'s\b")  # "the Philippines's" -> "the Philippines'"
_SLOT = re.compile(r"\{(\w+)\}")


def _mention(rng: random.Random, e: Entity, weights: tuple[float, float, float]) -> str:
    """A country by its name, capital or leader title (weights in that order); an organisation by its name."""
    if isinstance(e, Org):
        return e.text
    return rng.choices((e.text, e.capital, e.title), weights=weights)[0]


def _pick_target(rng: random.Random, kind: str, exclude: str) -> Entity:
    pool: list[Entity]
    if kind == "country":
        pool = [c for c in COUNTRIES if c.name != exclude]
    elif kind == "org":
        pool = [o for o in ORGS if o.kind in (*_SECURITY, "trade", "bank")]
    elif kind == "body":
        pool = [o for o in ORGS if not o.pact]
    elif kind == "pact":
        pool = [o for o in ORGS if o.pact]
    else:  # "any" organisation
        pool = list(ORGS)
    return rng.choice(pool)


def _country_slots(prefix: str, c: Entity) -> dict[str, str]:
    if isinstance(c, Org):
        return {f"{prefix}n": c.text, f"{prefix}cap": c.text}
    return {f"{prefix}n": c.text, f"{prefix}cap": c.capital, f"{prefix}adj": c.adjective}


def _pick_pair(rng: random.Random, t: Template, slots: dict[str, str]) -> tuple[Entity, Entity]:
    """The holder and the target of one template (and, for a refused request, what was asked: ``slots["req"]``)."""
    holder: Entity = rng.choice(COUNTRIES)
    target: Entity
    if t.family == "help_refused":
        # The one asked: a country (70%), else an alliance or bloc (asked for security help) or a lender.
        roll = rng.random()
        if roll < 0.7:
            target, req = _pick_target(rng, "country", holder.name), rng.choice(REQUESTS["country"])
        elif roll < 0.88:
            target, req = rng.choice([o for o in ORGS if o.kind in _SECURITY]), rng.choice(REQUESTS["security"])
        else:
            target, req = rng.choice([o for o in ORGS if o.kind in _LENDERS]), rng.choice(REQUESTS["bank"])
        slots["req"] = req
    else:
        target = _pick_target(rng, t.target, holder.name)
        # Accusations and praise: now and then an alliance or bloc is the one speaking, about a country.
        if t.family == "accusation_praise" and t.target == "country" and rng.random() < 0.15:
            holder = rng.choice([o for o in ORGS if o.kind in _SECURITY])
    return holder, target


def _attributed(rng: random.Random, template: str, dated: bool, day: str) -> str:
    """The template without a second attribution where the sentence already says who spoke ("X said ..."): when
    and how go after the verb instead."""
    spoke = _SPOKE.search(template)
    if ", {src}" in template and (spoke or "told" in template):
        template = template.replace(", {src}", "")
        if spoke:
            context = rng.choice([c for c in SPEECH_CONTEXTS if not dated or "{day}" not in c])
            template = template[: spoke.end()] + context.replace("{day}", day) + template[spoke.end() :]
    return template


def _fill(rng: random.Random, t: Template) -> tuple[str, dict[str, str]]:
    """The sentence of one template and the plain names of its slots (H, T, Z)."""
    slots: dict[str, str] = {}
    holder, target = _pick_pair(rng, t, slots)
    names = {"H": holder.name, "T": target.name}
    h = _mention(rng, holder, _HOLDER_FORMS)
    slots.update({"H": h, "T": _mention(rng, target, _OTHER_FORMS)})
    slots.update(_country_slots("H", holder))
    slots.update(_country_slots("T", target))
    # A leader title is not "it": the first pronoun names the country (by name or capital), later ones are "it".
    own = ""
    if isinstance(holder, Country) and h == holder.title:
        own = rng.choice((holder.text, holder.capital))
    # A second mention of the holder, never a title (the sentence goes on with "it").
    slots["H2"] = holder.capital if isinstance(holder, Country) and h != holder.capital else holder.text
    if "{Z" in t.text:
        third: Entity = rng.choice([c for c in COUNTRIES if c.name not in names.values()])
        if "{Z}" in t.text and rng.random() < 0.2:
            third = rng.choice([o for o in ORGS if o.kind in _SECURITY])
        names["Z"] = third.name
        slots["Z"] = _mention(rng, third, _OTHER_FORMS)
        slots.update(_country_slots("Z", third))
    day = rng.choice(DAYS)
    slots.update(
        {
            "day": day,
            "month": rng.choice(MONTHS),
            "accusation": rng.choice(ACCUSATIONS),
            "praise": rng.choice(PRAISES),
            "topic": rng.choice(TOPICS),
            "goods": rng.choice(GOODS),
            "pct": str(rng.randint(2, 38)),
            "amount": f"{rng.randint(1, 40)}.{rng.randint(0, 9)}",
        }
    )
    # An attribution says "on Tuesday" only where the sentence has not said when already.
    dated = "{day}" in t.text
    slots["src"] = rng.choice([s for s in OWN_SOURCES if not dated or "{day}" not in s]).format(day=day)
    slots["psrc"] = rng.choice([s for s in PRESS_SOURCES if not dated or "{day}" not in s]).format(day=day)
    template = _attributed(rng, t.text, dated, day)
    pronouns = 0

    def fill(m: re.Match[str]) -> str:
        nonlocal pronouns
        key = m.group(1)
        if key not in ("it", "its"):
            return slots[key]
        pronouns += 1
        if own and pronouns == 1:
            return own if key == "it" else f"{own}'s"
        return key

    text = _POSSESSIVE_S.sub(r"\1'", _SLOT.sub(fill, template))
    return text[0].upper() + text[1:], names


def generate(seed: int = 0) -> list[dict[str, str]]:
    """About 6,000 stance rows ``{text, target, holder, label, group, split, template}``, the same for the same seed.

    ``group`` is the template family; ``split`` comes from :func:`template_splits`.
    """
    rng = random.Random(seed)
    splits = template_splits()
    by_kind: dict[tuple[str, str], list[Template]] = {}
    for t in TEMPLATES:
        by_kind.setdefault((t.family, t.kind), []).append(t)
    rows: list[dict[str, str]] = []
    seen: set[str] = set()
    for key, quota in QUOTAS.items():
        made = 0
        while made < quota:
            t = rng.choice(by_kind[key])
            text, names = _fill(rng, t)
            if text in seen:
                continue
            seen.add(text)
            made += 1
            for holder_slot, target_slot, label, p in t.questions:
                if p < 1.0 and rng.random() >= p:
                    continue
                rows.append(
                    {
                        "text": text,
                        "target": names[target_slot],
                        "holder": names[holder_slot],
                        "label": label,
                        "group": t.family,
                        "split": splits[t.id],
                        "template": t.id,
                    }
                )
    return rows
