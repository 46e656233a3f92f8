"""Pages: detections in (form, CSV upload with preview) and the review queue (legal and admin)."""
from __future__ import annotations

import hashlib
import os
import re
import secrets
import tempfile
import time
from datetime import timedelta, timezone
from pathlib import Path

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import func, select
from wtforms import DateTimeLocalField, FloatField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from casework.extensions import db
from casework.models.cases import Case
from casework.models.monitoring import DETECTION_SOURCES, DISMISS_REASONS, Detection, Infringer, Platform
from casework.policy import STAFF, allow
from casework.services import detections as detection_service
from casework.web.helpers import actor, now, day_count, page_args, row_id, safe_next

bp = Blueprint("review", __name__)

REASON_LABELS = {"false_positive": _l("False positive"), "licensed": _l("Licensed"), "fair_use": _l("Fair use"),
                 "duplicate": _l("Duplicate"), "out_of_scope": _l("Out of scope")}
SOURCE_LABELS = {"form": _l("Form"), "csv": _l("CSV"), "api": _l("API"), "recheck": _l("Re-check")}
# Each sort is matched by an index (status, key..., id): see the detection model.
SORTS = {"detected_at": (Detection.detected_at,), "similarity": (Detection.similarity,),
         "work": (Detection.work_id, Detection.detected_at), "platform": (Detection.platform_id, Detection.detected_at)}
AGES = (1, 7, 30, 90)


class DetectionForm(FlaskForm):
    work_id = IntegerField(_l("Work id"), validators=[DataRequired(), NumberRange(min=1)])
    url = StringField(_l("Infringing URL"), validators=[DataRequired(), Length(max=4096)])
    platform = SelectField(_l("Platform"), coerce=int, default=0)
    detected_at = DateTimeLocalField(_l("Seen at (UTC)"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    similarity = FloatField(_l("Similarity (0 to 1)"), validators=[Optional(), NumberRange(min=0, max=1)])
    infringer = StringField(_l("Infringer (name; new names are added)"), validators=[Length(max=200)])


class UploadForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired()])


class ImportForm(FlaskForm):
    upload = HiddenField(validators=[DataRequired(), Length(max=64)])


class BulkForm(FlaskForm):
    reason = SelectField(_l("Reason"), choices=[("", "—")] + [(r, REASON_LABELS[r]) for r in DISMISS_REASONS],
                         default="")
    note = StringField(_l("Note"), validators=[Length(max=5000)])
    case_id = IntegerField(_l("Into case # (optional)"), validators=[Optional(), NumberRange(min=1)])
    next = HiddenField()


def _platform_choices():
    return [(0, _("— by the URL —"))] + [(p.id, p.name) for p in db.session.scalars(select(Platform).order_by(Platform.name))]


@bp.route("/detections/new", methods=["GET", "POST"])
@allow(*STAFF)
def new_detection():
    form = DetectionForm()
    form.platform.choices = _platform_choices()
    if form.validate_on_submit():
        item = {"work_id": form.work_id.data, "url": form.url.data, "similarity": form.similarity.data,
                "platform": form.platform.data or None, "infringer": (form.infringer.data or "").strip() or None}
        if form.detected_at.data:
            item["detected_at"] = form.detected_at.data.replace(tzinfo=timezone.utc)
        try:
            result = detection_service.intake([item], source="form", actor=actor(), now=now())
        except detection_service.IntakeError as exc:
            db.session.rollback()
            fields = {"work_id": form.work_id, "url": form.url, "platform": form.platform,
                      "detected_at": form.detected_at, "similarity": form.similarity, "infringer": form.infringer}
            for e in exc.errors:
                target = fields.get(e["field"])
                if target is not None:
                    target.errors = list(target.errors) + [e["message"]]
                else:
                    flash(e["message"], "error")
            return render_template("review/new.html", form=form), 400
        db.session.commit()
        if result.created:
            flash(_("Detection #%(id)s added to the review queue.", id=result.created[0])
                  + (" " + _("It is flagged as licensed.") if result.licensed else ""), "success")
        else:
            flash(_("Already known: detection #%(id)s (same work, same URL).", id=result.duplicates[0]), "warning")
        return redirect(url_for(".queue"))
    return render_template("review/new.html", form=form), 400 if form.errors else 200


STASH_MAX_AGE = 24 * 3600


def _stash_dir() -> Path:
    path = Path(current_app.instance_path) / "csv-uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _stash(data: bytes) -> str:
    """Keep a previewed file until it is imported: written atomically, named by a random token that only
    this session knows, its SHA-256 kept in the session so the import takes exactly what was previewed."""
    folder = _stash_dir()
    cutoff = time.time() - STASH_MAX_AGE
    for old in folder.glob("*.csv"):  # previews never imported
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(18)
    final = folder / f"{token}.csv"
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, final)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    session["csv_upload"] = {"token": token, "sha256": hashlib.sha256(data).hexdigest()}
    return token


def _unstash(token: str) -> bytes | None:
    expected = session.get("csv_upload") or {}
    if not token or expected.get("token") != token or not re.fullmatch(r"[A-Za-z0-9_-]{10,40}", token):
        return None
    path = _stash_dir() / f"{token}.csv"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    return data if hashlib.sha256(data).hexdigest() == expected.get("sha256") else None


def _drop_stash(token: str) -> None:
    (_stash_dir() / f"{token}.csv").unlink(missing_ok=True)
    session.pop("csv_upload", None)


@bp.route("/detections/upload", methods=["GET", "POST"])
@allow(*STAFF)
def upload():
    upload_form, import_form = UploadForm(), ImportForm()
    if request.method == "GET":
        return render_template("review/upload.html", form=upload_form, preview=None)
    if "upload" in request.form:  # the second step: import exactly the file that was previewed
        data = _unstash(import_form.upload.data) if import_form.validate_on_submit() else None
        if data is None:
            flash(_("That preview has expired or belongs to another session; upload the file again."), "error")
            return redirect(url_for(".upload"))
        items, problems = detection_service.parse_csv(data)
        try:
            if problems:
                raise detection_service.IntakeError([{"index": None, "field": "(file)", "message": "unreadable"}])
            result = detection_service.intake_many(items, source="csv", actor=actor(), now=now())
        except detection_service.IntakeError:
            db.session.rollback()
            flash(_("Something changed since the preview and some rows are no longer valid; nothing was imported. "
                    "Upload the file again to see why."), "error")
            return redirect(url_for(".upload"))
        db.session.commit()
        _drop_stash(import_form.upload.data)
        flash(_("Imported %(n)s detection(s); %(d)s duplicate(s) were already known.", n=len(result.created),
                d=len(result.duplicates)), "success")
        return redirect(url_for(".queue", source="csv"))
    if not upload_form.validate_on_submit():
        return render_template("review/upload.html", form=upload_form, preview=None), 400
    data = upload_form.file.data.read(detection_service.MAX_CSV_BYTES + 1)
    items, problems = detection_service.parse_csv(data)
    preview = _preview(items, problems)
    if not preview["errors"]:
        import_form.upload.data = _stash(data)
    status = 200 if not preview["errors"] else 422
    return render_template("review/upload.html", form=upload_form, preview=preview, import_form=import_form), status


def _preview(items: list[dict], problems: list[dict]) -> dict:
    """Run the import in a savepoint that is always rolled back: every row's fate, nothing stored."""
    rows = [{"line": it["_line"], "item": it, "errors": [], "outcome": None} for it in items]
    file_errors = [p for p in problems if p.get("line") is None or p["field"] in ("(header)", "(file)")]
    for p in problems:
        if p not in file_errors:
            rows.append({"line": p["line"], "item": {}, "errors": [f"{p['field']}: {p['message']}"], "outcome": None})
    counts = {"created": 0, "duplicate": 0, "licensed": 0}
    if items:
        savepoint = db.session.begin_nested()
        try:
            result = detection_service.intake_many(items, source="csv", actor=actor(), now=now())
            licensed = set(result.licensed)
            for row, (outcome, ident) in zip(rows, result.outcomes):
                row["outcome"] = "licensed" if ident in licensed and outcome == "created" else outcome
                counts["licensed" if row["outcome"] == "licensed" else outcome] += 1
        except detection_service.IntakeError as exc:
            for e in exc.errors:
                if e["index"] is None:
                    file_errors.append({"line": None, "field": e["field"], "message": e["message"]})
                else:
                    rows[e["index"]]["errors"].append(f"{e['field']}: {e['message']}")
        finally:
            savepoint.rollback()
    rows.sort(key=lambda r: r["line"] or 0)
    errors = len(file_errors) + sum(1 for r in rows if r["errors"])
    return {"rows": rows, "file_errors": file_errors, "errors": errors, "counts": counts}


# --- the review queue -------------------------------------------------------------------------

def _queue_filters() -> dict:
    args = request.args
    f = {"work_id": args.get("work_id", type=row_id), "platform_id": args.get("platform_id", type=row_id),
         "source": args.get("source", ""), "age": args.get("age", type=day_count), "min_score": args.get("min_score", ""),
         "licensed": args.get("licensed", ""), "sort": args.get("sort", "detected_at"), "dir": args.get("dir", "desc")}
    if f["source"] not in DETECTION_SOURCES:
        f["source"] = ""
    if f["sort"] not in SORTS:
        f["sort"] = "detected_at"
    if f["dir"] not in ("asc", "desc"):
        f["dir"] = "desc"
    if f["licensed"] not in ("", "yes", "no"):
        f["licensed"] = ""
    try:
        score = float(f["min_score"]) if f["min_score"] != "" else None
        f["score"] = score / 100 if score is not None and score > 1 else score
    except ValueError:
        f["score"], f["min_score"] = None, ""
    return f


def _order(sort: str, descending: bool) -> list:
    if sort == "similarity":  # unknown scores last when descending, first when ascending: one index serves both
        return ([Detection.similarity.desc().nulls_last(), Detection.id.desc()] if descending
                else [Detection.similarity.asc().nulls_first(), Detection.id.asc()])
    columns = (*SORTS[sort], Detection.id)
    return [c.desc() if descending else c.asc() for c in columns]


def queue_statement(f: dict, when):
    stmt = select(Detection.id).where(Detection.status == "pending")
    if f["work_id"]:
        stmt = stmt.where(Detection.work_id == f["work_id"])
    if f["platform_id"]:
        stmt = stmt.where(Detection.platform_id == f["platform_id"])
    if f["source"]:
        stmt = stmt.where(Detection.source == f["source"])
    if f["age"]:
        stmt = stmt.where(Detection.detected_at >= when - timedelta(days=f["age"]))
    if f["score"] is not None:
        stmt = stmt.where(Detection.similarity >= f["score"])
    if f["licensed"]:
        stmt = stmt.where(Detection.licensed.is_(f["licensed"] == "yes"))
    return stmt


@bp.route("/review")
@allow(*STAFF)
def queue():
    from casework.models.works import Work

    page, per_page = page_args(default_per_page=50)
    f = _queue_filters()
    when = now()
    ids_stmt = queue_statement(f, when)
    total = db.session.scalar(select(func.count()).select_from(ids_stmt.subquery()))
    order = _order(f["sort"], f["dir"] == "desc")
    page_ids = list(db.session.scalars(ids_stmt.order_by(*order).offset((page - 1) * per_page).limit(per_page)))
    rows = []
    if page_ids:
        found = {d.id: (d, title, pname, iname) for d, title, pname, iname in db.session.execute(
            select(Detection, Work.title, Platform.name, Infringer.name)
            .join(Work, Work.id == Detection.work_id)
            .outerjoin(Platform, Platform.id == Detection.platform_id)
            .outerjoin(Infringer, Infringer.id == Detection.infringer_id)
            .where(Detection.id.in_(page_ids)))}
        rows = [found[i] for i in page_ids if i in found]
    platforms = list(db.session.execute(select(Platform.id, Platform.name).order_by(Platform.name)))
    form = BulkForm(formdata=None)
    form.next.data = request.full_path if request.query_string else request.path
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("review/queue.html", rows=rows, total=total, page=page, per_page=per_page, f=f,
                           platforms=platforms, form=form, reasons=REASON_LABELS, sources=SOURCE_LABELS, ages=AGES,
                           args=args, now=when)


@bp.route("/review/bulk", methods=["POST"])
@allow(*STAFF)
def bulk():
    form = BulkForm()
    back = safe_next(form.next.data, url_for(".queue"))
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for e in errors:
                flash(str(e), "error")
        return redirect(back)
    action = request.form.get("action")
    try:
        ids = [int(i) for i in request.form.getlist("ids")]
    except ValueError:
        ids = []
    if not ids:
        flash(_("Select at least one detection (tick its box, or press x on it)."), "error")
        return redirect(back)
    try:
        if action == "confirm":
            case = None
            if form.case_id.data:
                case = db.session.get(Case, form.case_id.data)
                if case is None:
                    flash(_("There is no case #%(id)s.", id=form.case_id.data), "error")
                    return redirect(back)
            cases = detection_service.bulk_confirm(ids, actor=actor(), now=now(), case=case, note=form.note.data or "")
            db.session.commit()
            flash(_("%(n)s detection(s) confirmed into %(c)s case(s): %(list)s", n=len(ids), c=len(cases),
                    list=", ".join(f"#{c.id}" for c in cases)), "success")
            if len(cases) == 1 and len(ids) == 1:
                return redirect(url_for("cases.detail", case_id=cases[0].id))
        elif action == "dismiss":
            if not form.reason.data:
                flash(_("Choose a reason for dismissing."), "error")
                return redirect(back)
            count = detection_service.bulk_dismiss(ids, form.reason.data, actor=actor(), now=now(),
                                                   note=form.note.data or "")
            db.session.commit()
            flash(_("%(n)s detection(s) dismissed as %(reason)s.", n=count, reason=REASON_LABELS[form.reason.data]),
                  "success")
        else:
            flash(_("Choose confirm or dismiss."), "error")
    except detection_service.ReviewError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    return redirect(back)
