"""Stage 6, publish: record in the state what this build published (the files it saw, the feeds it
rendered, its identities and counts), last; the state's transaction then commits it all at once."""

from __future__ import annotations

from datetime import datetime

from ..model import ARTICLE_FORMAT
from .context import Context
from .decide import Decision
from .feeds import Fed
from .index import Indexed
from .meta import BuildMeta
from .plan import Plan, config_identity, content_identity
from .read import Read
from .state import State, utc_key


def run(
    context: Context, state: State, plan: Plan, read: Read, decision: Decision, indexed: Indexed, fed: Fed
) -> BuildMeta:
    """Record the build in the state (inside its transaction); what it recorded about itself."""
    context.phases.start("publishing")
    files = dict(plan.files)
    for rel, article in read.articles.items():
        files[rel] = files[rel]._replace(hash=article.content_hash)
    state.put_files(files, plan.removed, replace_all=plan.full)
    state.put_feeds(dict(fed.signatures))
    articles, published, drafts = state.counts()
    due = state.next_due(utc_key(context.now))
    meta = BuildMeta(
        config=config_identity(context.config),
        content_config=content_identity(context.config),
        analyzer=context.spec.identity(),
        article_format=ARTICLE_FORMAT,
        errors=decision.errors,
        duplicates=decision.duplicates,
        next_due=datetime.fromisoformat(due) if due else None,
        articles=articles,
        published=published,
        drafts=drafts,
        feed_files=len(fed.signatures),
        generation=indexed.generation,
        feeds_page=fed.feeds_page,
    )
    state.put_meta(meta)
    return meta
