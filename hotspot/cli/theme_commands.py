"""Commands about themes and matching quality: match, eval, themes explain/suggest.
They load jieba (and the stored history, read-only where they can)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from hotspot.cli import MAX_LIMIT, Context, cli
from hotspot.cli.output import table, to_json
from hotspot.errors import InputError
from hotspot.i18n import _, _l, ngettext


def _load_items(path: Path) -> list[dict]:
    from hotspot.ingest.history import iter_jsonl

    items = []
    for lineno, obj in iter_jsonl(path):
        if not isinstance(obj.get("title"), str) or "id" not in obj:
            raise InputError(
                _('{path}:{line}: each line needs "id" and a string "title"').format(
                    path=path, line=lineno
                )
            )
        items.append(obj)
    return items


def _match_engine(obj: Context, themes):
    """An engine over ``themes`` using what the configured database has learned, if any."""
    from hotspot.analysis.lexicon import load_verticals
    from hotspot.engine import Engine
    from hotspot.storage.store import Store

    path = obj.config_path
    if path.exists() and obj.config().database.exists():
        config = obj.config()
        store = Store(config.database, readonly=True)
        verticals = load_verticals(config.lexicons)
    elif path.exists():  # no database yet: match with what the lexicons know
        config = obj.config()
        store = Store(":memory:")
        verticals = load_verticals(config.lexicons)
    else:
        store = Store(":memory:")
        verticals = load_verticals()
    engine = Engine(store, [("", t) for t in themes], verticals)
    engine.learn_unlinked_themes()
    return engine


@cli.command()
@click.option(
    "--themes",
    "themes_file",
    required=True,
    type=click.Path(path_type=Path),
    help=_l("TOML file with [[themes]] tables."),
)
@click.option(
    "--input",
    "input_file",
    required=True,
    type=click.Path(path_type=Path),
    help=_l("JSON Lines: id, title, optional summary, platform, category."),
)
@click.option("--all", "show_all", is_flag=True, help=_l("Also print matches below threshold."))
@click.pass_obj
def match(obj: Context, themes_file: Path, input_file: Path, show_all: bool) -> None:
    """Batch-match items against themes; one JSON line per item."""
    from hotspot.config import load_themes_file
    from hotspot.planning.desk import verdict_dict

    themes = load_themes_file(themes_file)
    items = _load_items(input_file)
    engine = _match_engine(obj, themes)
    for it in items:
        sensitive = verdict_dict(it, "normal")
        doc = engine.document(
            it["title"], it.get("summary"), it.get("category"), it.get("platform")
        )
        matches = engine.matcher.match(doc, all_scores=show_all)
        click.echo(
            json.dumps(
                {
                    "id": it["id"],
                    "matches": [
                        {
                            "theme": m.theme,
                            "score": round(m.score, 4),
                            "terms": m.terms,
                            **({"passed": m.passed} if show_all else {}),
                        }
                        for m in sorted(matches, key=lambda m: -m.score)
                        if show_all or m.passed
                    ],
                    "sensitive": (
                        {"category": sensitive["category"], "terms": sensitive["terms"]}
                        if sensitive
                        else None
                    ),
                },
                ensure_ascii=False,
            )
        )


@cli.command("eval")
@click.option("--themes", "themes_file", type=click.Path(path_type=Path))
@click.option(
    "--items",
    "items_file",
    type=click.Path(path_type=Path),
    help=_l("Items (JSON Lines); with --sensitivity, default: items.jsonl beside that file."),
)
@click.option("--labels", "labels_file", type=click.Path(path_type=Path))
@click.option(
    "--sensitivity",
    "sensitivity_file",
    type=click.Path(path_type=Path),
    help=_l("Sensitivity labels (JSON Lines: id, sensitive, category): score the 慎借势 gate."),
)
@click.option("--mode", type=click.Choice(["normal", "strict"]), default="normal")
@click.option(
    "--history",
    "history_db",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    help=_l(
        "With --sensitivity: a hotspot database holding the history (e.g. after hotspot "
        "import): its learned sensitivity terms and the events of the items found in it."
    ),
)
@click.option("--no-learned", is_flag=True, help=_l("With --history: leave out the learned terms."))
@click.option("--no-event", is_flag=True, help=_l("With --history: leave out the event context."))
@click.option("--no-model", is_flag=True, help=_l("With --history: leave out the word model."))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_obj
def eval_(
    obj: Context,
    themes_file: Path | None,
    items_file: Path | None,
    labels_file: Path | None,
    sensitivity_file: Path | None,
    mode: str,
    history_db: Path | None,
    no_learned: bool,
    no_event: bool,
    no_model: bool,
    fmt: str,
) -> None:
    """Precision/recall/F1 per theme against hand labels, beside the substring baseline;
    or, with --sensitivity, of the sensitivity gate overall and per category."""
    from hotspot.analysis import evaluation as ev

    if sensitivity_file is not None:
        _eval_sensitivity(
            sensitivity_file,
            items_file,
            mode,
            fmt,
            history_db,
            not no_learned,
            not no_event,
            not no_model,
        )
        return
    if themes_file is None or items_file is None or labels_file is None:
        raise click.UsageError(_("eval needs --themes, --items and --labels (or --sensitivity)"))
    from hotspot.config import load_themes_file
    from hotspot.ingest.history import iter_jsonl

    themes = load_themes_file(themes_file)
    items = _load_items(items_file)
    gold = {str(o["id"]): set(o.get("labels") or []) for _, o in iter_jsonl(labels_file)}
    engine = _match_engine(obj, themes)
    ours: dict[str, set[str]] = {}
    base: dict[str, set[str]] = {}
    scored: list[tuple[str, str, float]] = []
    for it in items:
        doc = engine.document(
            it["title"], it.get("summary"), it.get("category"), it.get("platform"), in_context=True
        )
        matches = engine.matcher.match(doc, all_scores=True)
        ours[str(it["id"])] = {m.theme for m in matches if m.passed}
        scored.extend((str(it["id"]), m.theme, m.score) for m in matches if m.score > 0)
        base[str(it["id"])] = ev.baseline(themes, f"{it['title']} {it.get('summary') or ''}")
    gold = {k: v for k, v in gold.items() if k in ours}
    names = [t.name for t in themes]
    s_ours, s_base = ev.score(names, ours, gold), ev.score(names, base, gold)
    rows = []
    for name in names:
        o, b = s_ours[name], s_base[name]
        rows.append(
            {
                "theme": name,
                "relevant": o.tp + o.fn,
                "P": round(o.precision, 3),
                "R": round(o.recall, 3),
                "F1": round(o.f1, 3),
                "base_P": round(b.precision, 3),
                "base_R": round(b.recall, 3),
                "base_F1": round(b.f1, 3),
            }
        )
    mo, mb = ev.micro(s_ours), ev.micro(s_base)
    rows.append(
        {
            "theme": "(micro)",
            "relevant": mo.tp + mo.fn,
            "P": round(mo.precision, 3),
            "R": round(mo.recall, 3),
            "F1": round(mo.f1, 3),
            "base_P": round(mb.precision, 3),
            "base_R": round(mb.recall, 3),
            "base_F1": round(mb.f1, 3),
        }
    )
    rows.append(
        {
            "theme": "(macro F1)",
            "relevant": "",
            "P": "",
            "R": "",
            "F1": round(ev.macro_f1(s_ours), 3),
            "base_P": "",
            "base_R": "",
            "base_F1": round(ev.macro_f1(s_base), 3),
        }
    )
    bins = ev.reliability([(sc, th in gold[i]) for i, th, sc in scored if i in gold])
    calibration = [
        {
            "score": f"[{b.low:.1f}, {b.high:.1f})",
            "pairs": b.n,
            "relevant": b.relevant,
            "share": round(b.share, 3) if b.n else "",
        }
        for b in bins
    ]
    ece = round(ev.expected_calibration_error(bins), 3)
    if fmt == "json":
        click.echo(to_json({"themes": rows, "reliability": calibration, "ece": ece}))
    else:
        click.echo(table(rows, [(k, k, 10) for k in rows[0]]))
        click.echo("")
        click.echo(
            _(
                "reliability: of the (entry, theme) pairs scored in each range, how many are relevant"
            )
        )
        click.echo(table(calibration, [(k, k, 12) for k in calibration[0]]))
        click.echo(_("expected calibration error: {ece}").format(ece=ece))


@cli.group()
def themes() -> None:
    """Inspect and tune themes."""


@themes.command("explain")
@click.argument("text")
@click.option("--account", help=_l("Only this account's themes."))
@click.option("--summary", default=None, help=_l("A summary to match as well."))
@click.option("--category", default=None, help=_l("The platform's category tag, e.g. 电影."))
@click.option("--platform", default=None, help=_l("The platform the title came from, e.g. weibo."))
@click.pass_obj
def themes_explain(
    obj: Context,
    text: str,
    account: str | None,
    summary: str | None,
    category: str | None,
    platform: str | None,
) -> None:
    """Show how TEXT scores against each theme, and why."""
    from hotspot.analysis.lexicon import load_verticals
    from hotspot.engine import Engine, theme_pairs
    from hotspot.storage.store import Store

    config = obj.config()
    pairs = [(a, t) for a, t in theme_pairs(config) if not account or a == account]
    if account and not pairs:
        raise click.BadParameter(
            _("no account named {name!r} with themes; known accounts: {known}").format(
                name=account, known=", ".join(a.name for a in config.accounts) or "-"
            ),
            param_hint="'--account'",
        )
    store = Store(config.database, readonly=True) if config.database.exists() else Store(":memory:")
    engine = Engine(store, pairs, load_verticals(config.lexicons))
    doc = engine.document(text, summary, category, platform)
    click.echo(
        _("tokens: {tokens}").format(tokens=" ".join(doc.title_tokens))
        + (_("  (persons: {persons})").format(persons=" ".join(doc.persons)) if doc.persons else "")
    )
    for m in sorted(engine.matcher.match(doc, all_scores=True), key=lambda m: -m.score):
        verdict = _("MATCH") if m.passed else _("no")
        why = _("excluded by {word}").format(word=m.excluded_by) if m.excluded_by else ""
        click.echo(
            _("{account}/{theme}: {score} (threshold {threshold}) {verdict} {why}")
            .format(
                account=m.account,
                theme=m.theme,
                score=f"{m.score:.3f}",
                threshold=m.threshold,
                verdict=verdict,
                why=why,
            )
            .rstrip()
        )
        linked = engine.matcher.linked(m.account, m.theme)
        if linked:
            click.echo(_("  linked verticals: {names}").format(names=", ".join(linked)))
        judged = {t: (i, u) for t, i, u in m.feedback}
        for e in m.evidence[:12]:
            note = ""
            if e.term in judged:
                bad, good = judged[e.term]
                if good:
                    note = ngettext(
                        "  (muted for this theme by feedback on {n} alert, confirmed on {good})",
                        "  (muted for this theme by feedback on {n} alerts, confirmed on {good})",
                        bad,
                    ).format(n=bad, good=good)
                else:
                    note = ngettext(
                        "  (muted for this theme by feedback on {n} alert)",
                        "  (muted for this theme by feedback on {n} alerts)",
                        bad,
                    ).format(n=bad)
            click.echo(
                _("  {weight}  {term}  via {via} in {field}").format(
                    weight=f"{e.weight:.2f}", term=e.term, via=e.via, field=e.field
                )
                + note
            )
        if m.damped_by:
            click.echo(_("  x0.6: stronger evidence for {theme}").format(theme=m.damped_by))


@themes.command("show")
@click.option("--account", help="Only this account's themes.")
@click.pass_obj
def themes_show(obj: Context, account: str | None) -> None:
    """Per theme: the verticals it is linked to, why (name, keyword, explicit) and their sizes."""
    from hotspot.analysis.lexicon import load_verticals
    from hotspot.analysis.matcher import link_reasons
    from hotspot.engine import load_feedback, load_learned, theme_pairs
    from hotspot.storage.store import Store

    config = obj.config()
    pairs = [(a, t) for a, t in theme_pairs(config) if not account or a == account]
    if account and not pairs:
        raise click.BadParameter(
            _("no account named {name!r} with themes").format(name=account),
            param_hint="'--account'",
        )
    verticals = load_verticals(config.lexicons)
    store = Store(config.database)
    learned = load_learned(store)
    feedback = load_feedback(store)
    for acc, theme in pairs:
        click.echo(
            _("{account}/{theme}: keywords {keywords}").format(
                account=acc, theme=theme.name, keywords=", ".join(theme.keywords) or "-"
            )
        )
        links = link_reasons(theme, verticals)
        if not links:
            click.echo(_("  linked to no vertical: only its keywords and what history adds"))
        reasons = {
            "name": _("its name {detail}"),
            "keyword": _("its keyword {detail}"),
            "keywords": _("its keywords {detail}"),
            "part": _("being part of {detail}"),
            "explicit": _("the theme's verticals setting"),
        }
        for i, (factor, why) in sorted(links.items(), key=lambda kv: -kv[1][0]):
            v = verticals[i]
            kind, _sep, detail = why.partition(" ")
            if kind == "part":
                detail = detail.removeprefix("of ")
            click.echo(
                _(
                    "  {id} ({title}): {terms} terms, {learned} learned, x{factor}, because of"
                    " {why}"
                ).format(
                    id=v.id,
                    title=v.title,
                    terms=len(v.terms),
                    learned=len(learned.terms.get(f"v:{v.id}", {})),
                    factor=f"{factor:g}",
                    why=reasons.get(kind, "{detail}").format(detail=detail),
                )
            )
        if theme.exclude_verticals:
            click.echo(_("  excluded: {ids}").format(ids=", ".join(theme.exclude_verticals)))
        muted = feedback.get((acc, theme.name), {})
        if muted:
            words = ", ".join(f"{t} ({i})" for t, (i, _u) in sorted(muted.items()))
            click.echo(_("  muted by feedback: {words}").format(words=words))


@themes.command("suggest")
@click.argument("theme")
@click.option("--account", help=_l("The account the theme belongs to."))
@click.option("--limit", type=click.IntRange(1, MAX_LIMIT), default=20, show_default=True)
@click.pass_obj
def themes_suggest(obj: Context, theme: str, account: str | None, limit: int) -> None:
    """Propose keywords and exclusions for THEME from the stored history, with counts."""
    from collections import Counter

    from hotspot.analysis.keywords import content_keywords
    from hotspot.analysis.learn import learn_theme
    from hotspot.analysis.lexicon import load_verticals
    from hotspot.engine import Engine, theme_pairs
    from hotspot.storage.store import Store

    config = obj.config()
    pairs = [
        (a, t) for a, t in theme_pairs(config) if t.name == theme and (not account or a == account)
    ]
    if not pairs:
        raise click.BadParameter(
            _("no theme named {name!r}; known themes: {known}").format(
                name=theme,
                known=", ".join(sorted({t.name for a in config.accounts for t in a.themes})) or "-",
            ),
            param_hint="THEME",
        )
    store = Store(config.database, readonly=True)
    engine = Engine(store, pairs[:1], load_verticals(config.lexicons))
    docs = list(store.iter_learning_documents())
    if not docs:
        raise click.ClickException(_("no history yet: poll for a while or 'hotspot import' first"))
    ids = [row[0] for row in store.iter_documents()]  # same order as iter_learning_documents

    def title(i: int) -> str:
        found = store.rows("SELECT title FROM items WHERE id = ?", (ids[i],))
        return found[0]["title"] if found else ""

    keywords = learn_theme(
        pairs[0][1], docs, engine.matcher, flag=engine.segmenter.word_flag, titles=title
    )
    matched: Counter[str] = Counter()
    near: Counter[str] = Counter()
    for tokens, cat, _event, _seen in docs:
        ms = engine.matcher.match(
            engine.document("", title_tokens=tokens, category=cat), all_scores=True
        )
        if not ms:
            continue
        m = ms[0]
        words = content_keywords(tokens)
        if m.passed:
            matched.update(words)
        elif m.score >= m.threshold * 0.6:
            near.update(words)
    click.echo(
        _(
            "suggested keywords for {theme} (co-occur with its keywords in history, in at least"
            " 3 separate events; whole naming words only, none another domain's own word):"
        ).format(theme=theme)
    )
    ranked = sorted(keywords.values(), key=lambda s: (-s.events, -s.support))
    for s in ranked[:limit]:
        click.echo(
            f"  {s.word:<12} "
            + _(
                "in {n} titles of {events} events, {share} of all its titles have the theme's"
                " keywords"
            ).format(n=s.support, events=s.events, share=f"{s.precision:.0%}")
        )
        for example in s.examples:
            click.echo(_("      e.g. {title}").format(title=example))
    click.echo(_("frequent words in near-misses (candidates for keywords or exclusions):"))
    for word, n in near.most_common(limit):
        click.echo(
            f"  {word:<12} "
            + _("{n} near-miss titles, {matched} matched titles").format(n=n, matched=matched[word])
        )


def _eval_sensitivity(
    labels_file: Path,
    items_file: Path | None,
    mode: str,
    fmt: str,
    history_db: Path | None = None,
    learned: bool = True,
    event: bool = True,
    model: bool = True,
) -> None:
    from hotspot.analysis.evaluation import Scores
    from hotspot.ingest.history import iter_jsonl
    from hotspot.planning.desk import default_classifier, verdict_dict
    from hotspot.planning.sensitivity import CATEGORIES
    from hotspot.planning.sensitivity_learn import stored_learned

    items = _load_items(items_file or labels_file.with_name("items.jsonl"))
    gold = {str(o["id"]): o for _, o in iter_jsonl(labels_file)}
    classifier = default_classifier()
    siblings: dict[str, list[str]] = {}
    used = []
    if history_db is not None:
        from hotspot.storage.store import Store

        store = Store(history_db, readonly=True)
        from hotspot.planning.sensitivity_model import WordModel

        terms = stored_learned(store) if learned else {}
        words = WordModel.from_store(store) if model else None
        classifier = classifier.with_learned(terms, words)
        if learned:
            n = sum(len(t) for t in terms.values())
            used.append(ngettext("{n} learned term", "{n} learned terms", n).format(n=n))
        if words is not None:
            n = len(words.lo)
            used.append(
                ngettext("word model of {n} word", "word model of {n} words", n).format(n=n)
            )
        if event:
            for it in items:
                found = store.item_event(it.get("platform") or "", it["title"])
                if found is not None:
                    item_id, event_id = found
                    siblings[str(it["id"])] = [
                        "".join(t) for t in store.event_siblings(event_id, item_id)
                    ]
            n = sum(1 for v in siblings.values() if v)
            used.append(
                ngettext("event context for {n} item", "event context for {n} items", n).format(n=n)
            )
        store.close()
    pred = {
        str(it["id"]): verdict_dict(it, mode, classifier, siblings.get(str(it["id"]), ()))
        for it in items
    }
    ids = [i for i in pred if i in gold]
    if not ids:
        raise InputError(
            _("{labels_file}: no label matches an item id of the items file").format(
                labels_file=labels_file
            )
        )

    def scores(cat: str | None) -> Scores:
        tp = fp = fn = 0
        for i in ids:
            g = bool(gold[i].get("sensitive")) and (cat is None or gold[i].get("category") == cat)
            v = pred[i]
            p = v is not None and (cat is None or v["category"] == cat)
            tp += p and g
            fp += p and not g
            fn += g and not p
        return Scores(tp, fp, fn)

    rows = []
    for cat in (None, *CATEGORIES):
        s = scores(cat)
        rows.append(
            {
                "category": cat or "(sensitive)",
                "labelled": s.tp + s.fn,
                "predicted": s.tp + s.fp,
                "P": round(s.precision, 3),
                "R": round(s.recall, 3),
                "F1": round(s.f1, 3),
            }
        )
    if fmt == "json":
        click.echo(to_json({"mode": mode, "items": len(ids), "history": used, "rows": rows}))
    else:
        click.echo(
            _("sensitivity gate, mode {mode}, {n} labelled items").format(mode=mode, n=len(ids))
        )
        if used:
            click.echo(_("history: {used}").format(used=", ".join(used)))
        click.echo(table(rows, [(k, k, 18) for k in rows[0]]))
