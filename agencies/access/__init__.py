"""The one place that decides who may see and do what.

Every view that reads or changes something that not everyone may see asks this module, and never
improvises a rule of its own. Two kinds of fact decide access:

* explicit per-object grants held by django-guardian on direct foreign-key tables (for agencies:
  `manage_agency`, granted to an agency's current managers and kept in step by `sync_agency_grants`);
* relationships in the data (membership of an agency), applied as database filters.

Outsiders get `Http404`, never 403: an object a user may not see does not exist for them.
Platform administrators (is_staff/is_superuser) get nothing here by being administrators; they
manage accounts in the admin site.

The module is a package split by subject, sharing one vocabulary (`vocabulary.py`: `Level`, `ChildAccess`):
`context.py` (who is asking: the user's agencies, once a request, and recording refusals), `agencies.py`,
`coverage.py` (whom consent covers, the rule from scratch and the coverage table), `children.py`, `caf.py`,
`referrals.py` and `directory.py`. Views and services use it only through this package (`from agencies import
access; access.child_access(...)`), which names every rule below.
"""

from .agencies import (
    MANAGE_AGENCY,
    agencies_managed_by,
    agencies_of,
    get_agency_for_manager,
    get_agency_for_user,
    get_membership_for_manager,
    may_manage_agency,
    sync_agency_grants,
)
from .caf import (
    NO_ACTION_ACCESS,
    ActionAccess,
    CafAccess,
    action_access,
    actions_owned_by,
    actions_queued_for,
    agencies_that_may_hold_actions,
    caf_access,
    get_action_for_owner,
    get_assessment_for_user,
    may_update_action,
)
from .children import (
    EMERGENCY_MATCHES_KEPT,
    EMERGENCY_MATCHES_SESSION_KEY,
    child_access,
    children_named_for,
    children_visible_to,
    current_lead,
    emergency_match_tokens,
    escalation_deciders,
    escalations_for_social_care,
    get_child_for_emergency,
    get_child_for_user,
    get_escalation_for_social_care,
    handover_notes_for,
    handover_to_write,
    involvements_endable_by,
    may_change_lead,
    may_confirm_consent,
    may_decide_escalation,
    may_end_involvement,
    may_read_concern,
    record_emergency_attempt,
    refuse_emergency_access,
    social_care_agencies_of,
    sync_child_grants,
    sync_named_grants,
)
from .context import (
    forget_request_memo,
    is_member,
    primary_agency,
    primary_agency_id,
    refuse,
    request_memo,
)
from .coverage import (
    child_access_from_scratch,
    children_visible_from_scratch,
    consent_coverage,
    consent_covers,
    consent_covers_agency,
    coverage_differences,
    coverage_rule,
    rebuild_coverage,
    refresh_coverage,
)
from .directory import (
    directories_coordinated_by,
    get_agency_for_directory_editing,
    get_directory_for_coordinator,
    get_entry_for_coordinator,
    get_import_for_coordinator,
    get_service_for_editing,
    get_setting_for_coordinator,
    settings_coordinated_by,
)
from .referrals import (
    get_referral_for_user,
    may_read_shared_caf,
    may_share_caf,
    referrals_visible_to,
)
from .vocabulary import (
    NO_CHILD_ACCESS,
    ChildAccess,
    Level,
)

__all__ = [
    "ChildAccess",
    "Level",
    "NO_CHILD_ACCESS",
    "forget_request_memo",
    "is_member",
    "primary_agency",
    "primary_agency_id",
    "refuse",
    "request_memo",
    "MANAGE_AGENCY",
    "agencies_managed_by",
    "agencies_of",
    "get_agency_for_manager",
    "get_agency_for_user",
    "get_membership_for_manager",
    "may_manage_agency",
    "sync_agency_grants",
    "child_access_from_scratch",
    "children_visible_from_scratch",
    "consent_coverage",
    "consent_covers",
    "consent_covers_agency",
    "coverage_differences",
    "coverage_rule",
    "rebuild_coverage",
    "refresh_coverage",
    "EMERGENCY_MATCHES_KEPT",
    "EMERGENCY_MATCHES_SESSION_KEY",
    "child_access",
    "children_named_for",
    "children_visible_to",
    "current_lead",
    "emergency_match_tokens",
    "escalation_deciders",
    "escalations_for_social_care",
    "get_child_for_emergency",
    "get_child_for_user",
    "get_escalation_for_social_care",
    "handover_notes_for",
    "handover_to_write",
    "involvements_endable_by",
    "may_change_lead",
    "may_confirm_consent",
    "may_decide_escalation",
    "may_end_involvement",
    "may_read_concern",
    "record_emergency_attempt",
    "refuse_emergency_access",
    "social_care_agencies_of",
    "sync_child_grants",
    "sync_named_grants",
    "ActionAccess",
    "CafAccess",
    "NO_ACTION_ACCESS",
    "action_access",
    "actions_owned_by",
    "actions_queued_for",
    "agencies_that_may_hold_actions",
    "caf_access",
    "get_action_for_owner",
    "get_assessment_for_user",
    "may_update_action",
    "get_referral_for_user",
    "may_read_shared_caf",
    "may_share_caf",
    "referrals_visible_to",
    "directories_coordinated_by",
    "get_agency_for_directory_editing",
    "get_directory_for_coordinator",
    "get_entry_for_coordinator",
    "get_import_for_coordinator",
    "get_service_for_editing",
    "get_setting_for_coordinator",
    "settings_coordinated_by",
]
