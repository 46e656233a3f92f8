"""Pages: documents of a case (draft with live preview and completeness list, approve, sign, send,
answer: ``drafts``), and the documents list, bulk letters, certificates of works, template editing
(admin), the public verification of a document and the public signature validation page (``pages``).
"""
from __future__ import annotations

from flask import Blueprint, abort, flash
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from casework.models.documents import Document
from casework.policy import can, get_or_404
from casework.web.account import EmptyForm

bp = Blueprint("documents", __name__)

KIND_LABELS = {"cease_desist": _l("Cease-and-desist letter"), "takedown_notice_us": _l("Takedown notice (US, DMCA)"),
               "takedown_notice_cn": _l("Takedown notice (China)"), "deposit_certificate": _l("Deposit certificate"),
               "evidence_catalogue": _l("Evidence catalogue")}
STATUS_LABELS = {"draft": _l("Draft"), "approved": _l("Approved"), "signed": _l("Signed"), "sent": _l("Sent"),
                 "answered": _l("Answered"), "no_answer": _l("No answer")}
CHANNEL_LABELS = {"email": _l("E-mail (PDF attached)"), "post": _l("Post"), "platform_form": _l("Platform form")}
LANG_LABELS = {"zh": "中文", "en": "English"}


def _doc(document_id: int) -> Document:
    return get_or_404(Document, document_id, "document.view")


def _require_staff(doc: Document) -> None:
    if not can(current_user, "document.edit", doc):
        abort(403)


def _csrf_ok() -> bool:
    if EmptyForm().validate_on_submit():
        return True
    flash(_("The form expired; try again."), "error")
    return False



def _current_locale():
    from flask_babel import get_locale

    return get_locale()


from casework.web.documents import drafts, pages  # noqa: E402,F401  (their routes join bp)
