"""`build(config)`: the scheduled regeneration job, incremental, atomic, locked, crash-safe.

A build is six stages, each a module of this package whose `run` takes the frozen results of the
stages before it and returns its own (a `Plan`, `Read`, `Decision`, `Indexed`, `Fed`, and the
`BuildMeta` recorded), in order:

1. `plan`: scan the content folder (one `stat` per file, compared whole with the last build's),
   hash the files whose size or mtime changed; nothing to do, the changed files, or everything;
2. `read` the changed articles (every article, in a full build: in parallel parts, one worker
   process per part, which also index what they read); a file that no longer reads keeps its
   last good version;
3. `decide`, inside the state's transaction: record what was read, settle duplicates and which
   articles are listed for the whole site in SQL; refuse to unpublish more than
   `build.max_unpublish` of the site, having written nothing;
4. `index`: a new generation from the live one plus the changes (a full build: its parts
   joined), switched to atomically;
5. `feeds`: only the feeds whose entries changed, each file replaced atomically; the feeds page;
6. `publish`: record all of it in the state, whose transaction then commits, last.

Around them (`lock`): one build at a time on an output folder; what a killed build left is
removed first. A build killed at any instant leaves the previous outputs or the new ones (each
file is replaced atomically; the index switches generation by renaming one pointer) and a state
that never claims more than is published (its transaction rolls back), so the next build
completes the work. A build that cannot write (disk full, read-only) raises OutputError and
removes its unpublished generation at once; its worker processes die with it.

Each stage names the phases it runs (`phases`); they are timed, shown on a terminal while they
run, and listed in the report.
"""

from __future__ import annotations

import time
from contextlib import closing
from datetime import datetime
from typing import TYPE_CHECKING

from .phases import Phase, Phases, Progress
from .report import BuildReport, make_report

if TYPE_CHECKING:
    from ..config import Config

__all__ = ["BuildReport", "Phase", "Progress", "build"]


def build(
    config: Config,
    *,
    now: datetime | None = None,
    full: bool = False,
    wait: float = 0.0,
    progress: Progress | None = None,
    allow_unpublish: bool = False,
) -> BuildReport:
    """Bring the index and feeds in `paths.out` up to date with the content folder.

    Only what changed since the last build is redone (everything with `full=True`, or after a
    change of configuration or analyzer). Bad articles are reported, never stop the build, and a
    published article whose file breaks keeps its last good version. `now` decides which dated
    articles are due (default: the current time). `progress` is told of each phase as it
    starts, advances and finishes.

    Raises ConfigError when the content folder does not exist (nothing is written), LockError
    when another build is running and does not finish within `wait` seconds, UnpublishError
    when the build would unpublish more than `build.max_unpublish` of the published articles
    (unless `allow_unpublish`), and OutputError when the output folder cannot be written; in
    each case what was published before stays as it was.
    """
    # Imported here: `import feedindex` imports this package (see feedindex/__init__.py), and
    # `feedindex --help` need not load the stages.
    from ..content.scan import check_content_folder
    from . import decide, feeds, index, plan, publish, read
    from .context import Context
    from .lock import guarded
    from .plan import analyzer_spec
    from .state import open_state

    check_content_folder(config.paths.content, config.source)
    with guarded(config, wait), closing(open_state(config.state_dir)) as state:
        started = time.perf_counter()  # once the lock is held: the report's seconds are the build's
        moment = now or datetime.now(config.site.tz)
        context = Context(config, moment, analyzer_spec(config), Phases(progress), allow_unpublish, started)
        planned = plan.run(context, state, full)
        if planned.nothing_to_do:
            if planned.files:  # touched files: record their new mtimes, so they are not hashed again
                with state.transaction():
                    state.put_files(planned.files)
            return make_report(context, planned, planned.meta, planned.carried)
        done = read.run(context, planned)
        with state.transaction():
            decision = decide.run(context, state, planned, done)
            indexed = index.run(context, state, done, decision)
            fed = feeds.run(context, state, planned, done, decision)
            recorded = publish.run(context, state, planned, done, decision, indexed, fed)
        return make_report(context, planned, recorded, decision.errors, done.warnings, fed, done.reused)
