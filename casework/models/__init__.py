"""All models, imported here so Alembic and the app see every table.

Each domain keeps its own module; add the import of a new one below.
"""
from casework.models.base import Base, UTCDateTime, utcnow  # noqa: F401
from casework.models.accounts import ApiToken, LoginAttempt, RightsHolder, Role, ROLES, User  # noqa: F401
from casework.models.audit import AuditEntry  # noqa: F401
from casework.models.monitoring import Detection, Infringer, InfringerAlias, Platform, WatchedUrl, WorkLicence  # noqa: F401
from casework.models.cases import Case, CaseEvent, CaseNote, CaseTag, CaseUrl, UrlCheck, case_work  # noqa: F401
from casework.models.scheduling import (Deadline, DomainEvent, EventDispatch, JobRun, JobSchedule,  # noqa: F401
                                        SchedulerLease, Task)
from casework.models.works import WORK_KINDS, Work, WorkFile  # noqa: F401
from casework.models.ledger import Checkpoint, Deposit, LedgerNode, LedgerState  # noqa: F401
from casework.models.documents import Document, DocumentTemplate, Sending  # noqa: F401
from casework.models.evidence import Bundle, CustodyEvent, EvidenceItem, ShareDownload, ShareLink  # noqa: F401
from casework.models.litigation import Hearing, LitigationCost, LitigationFiling, LitigationParty, LitigationRecord  # noqa: F401
from casework.models.takedowns import PlatformTakedownPolicy, TakedownEvent, TakedownNotice, takedown_url  # noqa: F401
from casework.models.notifications import (Notification, NotificationPreference, WebhookDelivery,  # noqa: F401
                                           WebhookSubscription)
