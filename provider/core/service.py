"""The Notebook verbs every front end serves: check, diff, create, read, update, delete.

`running` is the desired run state. `diff` computes the plan (`plan.py`) and
announces its steps at preview; `create` and `update` execute that same plan
(`executor.py`), so `up` does exactly what preview showed. The work on a live
notebook (start, stop, delete, waits) is in `operations.py`.

Properties in and out are the core's own form (snake_case inputs overlaid with
outputs, as `state.record_state` writes them); answers are plain data
(`Checked`, `Diffed`, `Recorded`). Each front end translates them for its SDK
and hands in a `Reporter` for its messages: nothing here knows who called.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping, Optional

from .catalogue import Catalogue
from .census import STRAY_WHY, Census, MarkerSearch
from .clock import SYSTEM_CLOCK, Clock
from .config import ProviderSettings, load_settings, unknown_keys
from .creation import Creation
from .errors import ConfigurationError
from .executor import PlanExecutor
from .fields import OUTPUT_KEYS, UNKNOWN
from .importing import import_notebook
from .inputs import NotebookInputs, Problem, Timeouts, parse_inputs, validate_inputs
from .models import NotebookStatus as S
from .operations import LiveNotebook, Target
from .placement import ClientPool, Placement, placement_problems, with_placement
from .plan import NEEDS_STOPPED, DeleteStrays, Plan, Start, Stop, census_open, plan
from .report import DEFAULT_REPORTER, Reporter
from .state import record_state
from .timings import CallTimings, LearnedTimings

if TYPE_CHECKING:  # the client, and `requests` with it, is imported when one is made
    from .client import ModelArtsClient


@dataclass(frozen=True)
class Checked:
    """The inputs as they will be recorded (defaults applied, names resolved), or the problems."""

    inputs: dict[str, Any]
    problems: list[Problem]


@dataclass(frozen=True)
class Diffed:
    """What `up` will do, for the preview: the plan and the inputs whose value changes."""

    plan: Plan
    changed_inputs: tuple[str, ...]

    @property
    def changes(self) -> bool:
        return self.plan.changes


@dataclass(frozen=True)
class Recorded:
    """A notebook as state records it."""

    id: str
    state: dict[str, Any]


@dataclass(frozen=True)
class Imported(Recorded):
    """A notebook made elsewhere: its state, and the inputs that declare it unchanged."""

    inputs: dict[str, Any]


class NotebookService:
    """CRUD of ModelArts notebooks for one provider process, shared by every notebook of a stack."""

    def __init__(self, settings: Optional[ProviderSettings], config_error: Optional[str] = None, *,
                 reporter: Reporter = DEFAULT_REPORTER, clock: Clock = SYSTEM_CLOCK,
                 make_client: Optional[Callable[[ProviderSettings], ModelArtsClient]] = None) -> None:
        self._settings = settings
        self._config_error = config_error
        self._report = reporter
        self._clock = clock
        make = make_client or (lambda s: s.make_client(on_retry=reporter.debug, clock=clock))
        self._clients = ClientPool(settings, make) if settings is not None else None
        self._learned = LearnedTimings()
        self._catalogue = Catalogue(self._client_at)

    @classmethod
    def from_config(cls, config_get: Callable[[str], Optional[str]], config_keys: list[str],
                    environ: Mapping[str, str], **options: Any) -> "NotebookService":
        """Settings from the stack configuration (every namespace, secrets decrypted) and the OS_* variables.

        A mistyped key is named even when the settings fail for another reason (often its consequence)."""
        typos = unknown_keys(config_keys)
        typo = (f"unknown configuration keys {', '.join(typos)}; known modelarts keys: region, projectId, "
                "projectName, endpoint, authUrl, accessKey, secretKey, username, password, domainName") if typos else ""
        try:
            settings = load_settings(config_get, environ)
        except ConfigurationError as error:
            return cls(None, "; ".join(filter(None, (typo, str(error)))), **options)
        if typo:
            return cls(None, typo, **options)
        return cls(settings, **options)

    def _place(self, props: Mapping[str, Any]) -> Placement:
        """The notebook's project and region (the stack's unless its inputs say otherwise)."""
        if self._clients is None:
            raise ConfigurationError(self._config_error or "the ModelArts provider was not configured")
        return self._clients.place(props.get("project_id"), props.get("region"))

    def _client_at(self, where: Placement) -> ModelArtsClient:
        assert self._clients is not None  # _place raised otherwise
        return self._clients.client(where)

    def client(self, props: Optional[Mapping[str, Any]] = None) -> ModelArtsClient:
        """The client of the notebook's project and region."""
        return self._client_at(self._place(props or {}))

    def _target(self, notebook_id: str, label: str, inputs: Optional[NotebookInputs],
                state: Optional[Mapping[str, Any]] = None, props: Optional[Mapping[str, Any]] = None) -> Target:
        previous = (state or {}).get("timings") or {}
        timeouts = inputs.limits if inputs is not None else Timeouts()
        where = inputs.model_dump(include={"project_id", "region"}) if inputs is not None else (props or {})
        return Target(self.client(where), notebook_id, label, timeouts, self._learned, CallTimings(previous),
                      clock=self._clock, report=self._report)

    # ---- check ---------------------------------------------------------------

    def check(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Checked:
        if self._config_error:
            return Checked(dict(news), [Problem("", self._config_error)])
        validated, problems = validate_inputs(news, OUTPUT_KEYS)
        if news.get("image_id") is not None and news.get("image_name") is not None:
            problems.append(Problem("image_name", "give image_id or image_name (with image_tag), not both"))
        resolved: dict[str, Any] = {}
        if validated is not None:
            problems.extend(self._placement_problems(validated))
        placed = validated is not None and UNKNOWN not in (validated.project_id, validated.region)
        if validated is not None and not problems and placed and not _catalogue_checked(olds, news):
            where = self._place(validated.model_dump())
            if validated.image_name is not None and validated.image_name != UNKNOWN:
                image_id, problem = self._catalogue.resolve_image(where, validated.image_name, validated.image_tag)
                resolved = {"image_id": image_id} if image_id else {}
                problems.extend([problem] if problem else [])
                validated = validated.model_copy(update=resolved)
            problems.extend(self._catalogue.check(where, validated))
        inputs = dict(news)
        if validated is not None:
            inputs.update(validated.model_dump(mode="json", include=set(news) | {"running"}, exclude_none=True))
        inputs.update(resolved)
        inputs.setdefault("running", True)
        if validated is not None and not problems:
            problems.extend(_restart_refused(olds, inputs, validated))
            search = self._search_for(validated) if not olds else None
            if search is not None:
                search.announce_leftovers()
        return Checked(inputs, problems)

    def _placement_problems(self, inputs: NotebookInputs) -> list[Problem]:
        """A project id or region the notebook cannot be placed in (not judged while unknown)."""
        assert self._settings is not None  # a configuration error returned before
        problems = placement_problems(self._settings, inputs.project_id, inputs.region)
        return [Problem(key, reason) for key, reason in problems]

    # ---- diff ----------------------------------------------------------------

    def diff(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Diffed:
        """The plan `up` will execute, announced: each note as a warning, the steps as one line."""
        placed_olds = with_placement(self._settings, olds)
        placed_news = with_placement(self._settings, news)
        planned = plan(placed_olds, placed_news)
        label = f"notebook {news.get('name') or olds.get('name')!r} ({olds.get('notebook_id')})"
        search = self._search(olds) if any(isinstance(s, DeleteStrays) for s in planned.steps) else None
        if search is not None:
            search.announce_strays(label, str(olds.get("notebook_id")))
        for note in planned.notes:
            self._report.warn(f"{label}: {note}")
        if planned.steps or planned.replaces:
            self._report.info(f"{label}: {planned.describe()}")
        changed = tuple(key for key, value in placed_news.items()
                        if key not in OUTPUT_KEYS and value is not None and value != placed_olds.get(key))
        return Diffed(planned, changed)

    # ---- create --------------------------------------------------------------

    def create(self, props: Mapping[str, Any]) -> Recorded:
        inputs = parse_inputs(props)
        creation = Creation(self._target("", inputs.name, inputs), inputs)
        notebook, adopted = creation.obtain()
        search = None if inputs.adopt_id else creation.search()
        lookup = inputs.limits.create_lookup
        hold = creation.unseen_since + lookup if creation.found_leftover else None
        confirmed = None if search is None else search.close(notebook.id, lookup, hold)
        # The state it starts from: what is live now, with nothing mounted by this resource yet.
        seen = creation.seen or notebook.read()
        start = {**record_state(props, seen), "running": True, "obs_mounts": None}
        if adopted:
            start["running"] = start["status"] != "STOPPED"
        live = PlanExecutor(notebook, inputs).execute(plan(start, props), seen)
        recorded = {**props, "identity_confirmed": confirmed}
        return Recorded(str(live.id), record_state(recorded, live, notebook.target.call.timings()))

    def _search(self, props: Mapping[str, Any]) -> Optional[MarkerSearch]:
        """The marker search of a notebook whose census is still open (None otherwise)."""
        if not census_open(props) or not props.get("identity") or props.get("adopt_id"):
            return None
        label = str(props.get("name") or "")
        target = self._target("", label, None, props=props)
        return MarkerSearch(target, label, str(props["identity"]), props.get("feature"))

    def _search_for(self, inputs: NotebookInputs) -> Optional[MarkerSearch]:
        """The marker search of a notebook about to be created (None where nothing can be looked for yet)."""
        if not inputs.identity or inputs.adopt_id or UNKNOWN in (inputs.name, inputs.project_id, inputs.region):
            return None
        return MarkerSearch(self._target("", inputs.name, inputs), inputs.name, inputs.identity, inputs.feature)

    # ---- read ----------------------------------------------------------------

    def read(self, id_: str, props: Mapping[str, Any]) -> Optional[Recorded]:
        """Refresh. None (gone) only on evidence about this notebook; any other failure raises and keeps the state.

        A notebook the service is deleting is gone too: the delete was accepted (sent by a run that was
        killed before it recorded it, or outside the program) and nothing can undo it. Recording it
        would plan a start, or an update, of a notebook that is about to vanish.
        """
        notebook = self.client(props).find_notebook(id_)
        if notebook is None:
            return None
        if notebook.status == S.DELETING:
            self._report.warn(f"notebook {props.get('name') or id_!r} ({id_}): the service is deleting it (a delete "
                              "sent earlier, by an interrupted run or outside the program): it leaves the state")
            return None
        search = self._search(props)
        seen = {} if search is None else {"identity_confirmed": search.closed_at_refresh(id_)}
        return Recorded(id_, record_state({**props, **seen}, notebook, refreshed=True))

    def import_(self, id_: str, identity: Optional[str] = None) -> Imported:
        """A notebook made elsewhere, by its id, in the stack's project; an unknown id raises."""
        client = self.client()
        inputs, state = import_notebook(client, id_, identity, self._settings.region if self._settings else None)
        return Imported(id_, state, inputs)

    # ---- update --------------------------------------------------------------

    def update(self, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
        """Execute the plan that `diff` announced for these same olds and news."""
        inputs = parse_inputs(news)
        notebook = LiveNotebook(self._target(id_, inputs.name, inputs, olds))
        executor = PlanExecutor(notebook, inputs)
        live = executor.execute(plan(olds, news))
        confirmed = olds.get("identity_confirmed") if executor.census_closed is None else executor.census_closed
        carried = {**news, "declared": olds.get("declared"), "identity_confirmed": confirmed}
        return record_state(carried, live, notebook.target.call.timings())

    # ---- delete --------------------------------------------------------------

    def delete(self, id_: str, props: Mapping[str, Any]) -> None:
        try:
            inputs: Optional[NotebookInputs] = parse_inputs(props)
        except ValueError:
            inputs = None  # state written by an older version: delete all the same
        search = self._search(props)
        census: Optional[Census] = None
        if search is not None:  # duplicates left by interrupted runs go with the resource
            census = search.census_before_delete(id_, (inputs.limits if inputs else Timeouts()).create_lookup)
        LiveNotebook(self._target(id_, str(props.get("name") or id_), inputs, props=props)).delete()
        if search is not None and census is not None:
            search.remove(census.strays, STRAY_WHY)


# The inputs the catalogue check judges (with `image_name`, which is resolved again at every check).
CATALOGUE_INPUTS = ("flavor", "image_id", "project_id", "region")


def _catalogue_checked(olds: Mapping[str, Any], news: Mapping[str, Any]) -> bool:
    """The flavor and image were checked against the service when these inputs were recorded, and are unchanged.

    `olds` are the inputs an earlier check returned: the update after a preview, a
    flip or an unchanged preview need not ask the service again about a flavor and
    an image nobody changed. A name (`image_name`) is resolved anew every time.
    """
    return bool(olds) and news.get("image_name") is None and all(
        olds.get(key) == news.get(key) for key in CATALOGUE_INPUTS)


def _restart_refused(olds: Mapping[str, Any], news: Mapping[str, Any], inputs: NotebookInputs) -> list[Problem]:
    """With allow_restart=false, a plan that stops and starts a running notebook fails at preview.

    `olds` are the previous inputs (no live status): a notebook declared running is taken as running.
    """
    if inputs.allow_restart or not olds:
        return []
    assumed = {**olds, "status": "RUNNING" if olds.get("running", True) is not False else "STOPPED"}
    steps = plan(assumed, news).steps
    restarts = any(isinstance(s, Stop) for s in steps) and any(isinstance(s, Start) for s in steps)
    if not restarts:
        return []
    return [
        Problem(key, f"changing {key} restarts the running notebook {inputs.name!r} and allow_restart is false; "
                     "stop it first (running: false), or set allow_restart: true")
        for key in NEEDS_STOPPED
        if news.get(key) is not None and news.get(key) != olds.get(key)
    ] or [Problem("allow_restart", f"this change restarts the running notebook {inputs.name!r} and "
                                   "allow_restart is false")]
