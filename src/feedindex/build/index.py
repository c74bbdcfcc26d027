"""Stage 4, index: a new generation from the live one plus the changes, or (a full build) the
parts the workers wrote joined into one, switched to atomically (see index/generations.py)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..model import Article
from .context import Context
from .decide import Decision
from .read import Read
from .state import State


@dataclass(frozen=True)
class Indexed:
    """The index a build left live."""

    generation: str  # the live generation's name


def run(context: Context, state: State, read: Read, decision: Decision) -> Indexed:
    """Bring the index up to date with `decision` (in a full build: join the parts of `read`)."""
    from ..index.generations import current_generation
    from ..index.merge import merge_processes
    from ..index.write import assemble, update_index

    config = context.config
    names = {kind: dict(table) for kind, table in decision.names.items()}
    if read.generation is not None:
        context.phases.start("joining", workers=merge_processes(read.parts))
        return Indexed(
            assemble(
                config.index_dir,
                config.index_dir / read.generation,
                read.parts,
                context.spec,
                names,
                remove=decision.remove,
                add=_bodies(state, read, decision.add),
                retention=config.index.retention_seconds,
                step=context.phases.start,
            ).generation
        )
    context.phases.start("indexing", total=len(decision.add))
    if not decision.remove and not decision.add:
        return Indexed(current_generation(config.index_dir).name)
    return Indexed(
        update_index(
            config.index_dir,
            # The added too: a build killed after publishing its index but before recording it
            # in the state may have indexed them already.
            sorted(set(decision.remove) | set(decision.add)),
            _bodies(state, read, decision.add),
            context.spec,
            names,
            config.index.retention_seconds,
            step=context.phases.start,
        ).generation
    )


def _bodies(state: State, read: Read, sources: tuple[str, ...]) -> list[Article]:
    """The articles of `sources` with their plain text: as read, else their last good version."""
    from ..content.markdown import html_to_text

    bodies = {source: read.articles[source] for source in sources if source in read.articles}
    bodies = {source: article for source, article in bodies.items() if article.body_text}
    kept = state.full_articles([source for source in sources if source not in bodies])
    bodies |= {source: replace(article, body_text=html_to_text(article.body_html)) for source, article in kept.items()}
    return [bodies[source] for source in sources]
