"""The Admin API's request and response bodies, named and typed as DocuSign's spec defines them.

Why spec names: anyone holding ``admin.rest.swagger-v2.1.json`` can check a model field by field.
Ids follow the spec: user, account and membership ids are GUID strings; permission-profile and
group ids are int64. Responses ignore fields they do not know (DocuSign adds fields over time);
requests forbid them, so the client never sends a field the spec does not define, and drop unset
fields when serialized.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict

GUID = str


def _datetime(value: Any) -> Any:
    # DocuSign writes seven fractional digits ("...00.1234567Z"); Python takes at most six.
    if isinstance(value, str):
        return re.sub(r"(\.\d{6})\d+", r"\1", value)
    return value


DateTime = Annotated[datetime, BeforeValidator(_datetime)]


class _Response(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def to_body(self) -> dict[str, Any]:
        """The JSON body DocuSign receives: only the fields that were set."""
        return self.model_dump(mode="json", exclude_none=True)


# --- shared pieces ---------------------------------------------------------------------------


class ErrorDetails(_Response):
    error: str | None = None
    error_description: str | None = None


class PagingResponseProperties(_Response):
    result_set_size: int | None = None
    result_set_start_position: int | None = None
    result_set_end_position: int | None = None
    total_set_size: int | None = None
    next: str | None = None
    previous: str | None = None


class LinkResponse(_Response):
    rel: str | None = None
    href: str | None = None


class SettingResponse(_Response):
    key: str | None = None
    value: Any = None
    type: str | None = None


# --- organizations ---------------------------------------------------------------------------


class OrganizationAccountResponse(_Response):
    id: GUID | None = None
    name: str | None = None
    external_account_id: int | None = None
    site_id: int | None = None


class OrganizationSimpleIdObject(_Response):
    id: GUID | None = None


class DomainResponse(_Response):
    id: GUID | None = None
    status: str | None = None
    host_name: str | None = None
    txt_token: str | None = None
    identity_provider_id: GUID | None = None
    settings: list[SettingResponse] | None = None
    links: list[LinkResponse] | None = None


class IdentityProviderResponse(_Response):
    id: GUID | None = None
    friendly_name: str | None = None
    auto_provision_users: bool | None = None
    type: str | None = None
    links: list[LinkResponse] | None = None


class IdentityProvidersResponse(_Response):
    identity_providers: list[IdentityProviderResponse] | None = None


class OrganizationResponse(_Response):
    id: GUID | None = None
    name: str | None = None
    description: str | None = None
    default_account_id: GUID | None = None
    default_permission_profile_id: int | None = None
    created_on: DateTime | None = None
    created_by: GUID | None = None
    last_modified_on: DateTime | None = None
    last_modified_by: GUID | None = None
    accounts: list[OrganizationAccountResponse] | None = None
    users: list[OrganizationSimpleIdObject] | None = None
    reserved_domains: list[DomainResponse] | None = None
    identity_providers: list[IdentityProvidersResponse] | None = None
    links: list[LinkResponse] | None = None


class OrganizationsResponse(_Response):
    organizations: list[OrganizationResponse] | None = None


# --- permission profiles and groups ------------------------------------------------------------


class PermissionProfileResponse(_Response):
    id: int | None = None
    name: str | None = None


class PermissionsResponse(_Response):
    permissions: list[PermissionProfileResponse] | None = None


class MemberGroupResponse(_Response):
    id: int | None = None
    name: str | None = None
    type: str | None = None


class MemberGroupsResponse(_Response):
    groups: list[MemberGroupResponse] | None = None
    paging: PagingResponseProperties | None = None


# --- users -------------------------------------------------------------------------------------


class DSGroupResponse(_Response):
    ds_group_id: GUID | None = None
    account_id: GUID | None = None
    source_product_name: str | None = None
    group_id: str | None = None
    group_name: str | None = None
    description: str | None = None
    is_admin: bool | None = None
    last_modified_on: DateTime | None = None
    user_count: int | None = None
    external_account_id: int | None = None
    account_name: str | None = None
    is_managed_by_scim: bool | None = None


class OrganizationUserResponse(_Response):
    id: GUID | None = None
    user_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    user_status: str | None = None
    membership_status: str | None = None
    email: str | None = None
    created_on: DateTime | None = None
    closed_on: DateTime | None = None
    membership_created_on: DateTime | None = None
    membership_closed_on: DateTime | None = None
    ds_groups: list[DSGroupResponse] | None = None
    membership_id: GUID | None = None
    is_membership_managed_by_scim: bool | None = None
    is_managed_by_scim: bool | None = None
    license_type: str | None = None
    subscription_id: str | None = None
    plan_name: str | None = None


class OrganizationUsersResponse(_Response):
    users: list[OrganizationUserResponse] | None = None
    paging: PagingResponseProperties | None = None


class MembershipResponse(_Response):
    id: GUID | None = None
    email: str | None = None
    account_id: GUID | None = None
    external_account_id: str | None = None
    account_name: str | None = None
    is_external_account: bool | None = None
    status: str | None = None
    permission_profile: PermissionProfileResponse | None = None
    created_on: DateTime | None = None
    groups: list[MemberGroupResponse] | None = None
    is_admin: bool | None = None
    license_type: str | None = None
    subscription_id: str | None = None
    plan_name: str | None = None


class UserIdentityResponse(_Response):
    id: GUID | None = None
    provider_id: GUID | None = None
    user_id: GUID | None = None
    immutable_id: str | None = None
    error_details: ErrorDetails | None = None


class UserDrilldownResponse(_Response):
    id: GUID | None = None
    site_id: int | None = None
    site_name: str | None = None
    user_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    user_status: str | None = None
    default_account_id: GUID | None = None
    default_account_name: str | None = None
    language_culture: str | None = None
    selected_languages: str | None = None
    federated_status: str | None = None
    is_organization_admin: bool | None = None
    created_on: DateTime | None = None
    last_login: DateTime | None = None
    memberships: list[MembershipResponse] | None = None
    identities: list[UserIdentityResponse] | None = None
    device_verification_enabled: bool | None = None
    require_two_step_verification: bool | None = None
    allow_two_step_verification_snooze: bool | None = None
    allow_extend_org_admin_rights_to_self: bool | None = None
    is_managed_by_scim: bool | None = None


class UsersDrilldownResponse(_Response):
    users: list[UserDrilldownResponse] | None = None


# --- writes: requests --------------------------------------------------------------------------


class PermissionProfileRequest(_Request):
    id: int
    name: str | None = None


class GroupRequest(_Request):
    id: int
    name: str | None = None
    type: str | None = None


class NewUserRequestAccountProperties(_Request):
    id: GUID
    permission_profile: PermissionProfileRequest | None = None
    groups: list[GroupRequest] | None = None
    company_name: str | None = None
    job_title: str | None = None


class _NewUserFields(_Request):
    """The person fields NewUserRequest and NewAccountUserRequest share in the spec."""

    email: str
    user_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    default_account_id: GUID | None = None
    language_culture: str | None = None
    selected_languages: str | None = None
    access_code: str | None = None
    federated_status: str | None = None
    auto_activate_memberships: bool | None = None


class NewUserRequest(_NewUserFields):
    accounts: list[NewUserRequestAccountProperties]


class NewAccountUserRequest(_NewUserFields):
    permission_profile: PermissionProfileRequest | None = None
    groups: list[GroupRequest] | None = None
    license_type: str | None = None


class UpdateMembershipRequest(_Request):
    account_id: GUID
    permission_profile: PermissionProfileRequest | None = None
    groups: list[GroupRequest] | None = None
    company_name: str | None = None
    job_title: str | None = None
    send_activation: bool | None = None
    access_code: str | None = None
    license_type: str | None = None


class UpdateUserRequest(_Request):
    id: GUID
    site_id: int
    user_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    default_account_id: GUID | None = None
    language_culture: str | None = None
    selected_languages: str | None = None
    federated_status: str | None = None
    force_password_change: bool | None = None
    memberships: list[UpdateMembershipRequest] | None = None
    device_verification_enabled: bool | None = None


class UpdateUsersRequest(_Request):
    users: list[UpdateUserRequest]
    auto_activate_memberships_on_reactivation: bool | None = None


class DeleteMembershipRequest(_Request):
    id: GUID


class DeleteMembershipsRequest(_Request):
    accounts: list[DeleteMembershipRequest]


class ForceActivateMembershipRequest(_Request):
    site_id: int


class MembershipDataRedactionRequest(_Request):
    account_id: GUID


class IndividualUserDataRedactionRequest(_Request):
    user_id: GUID
    memberships: list[MembershipDataRedactionRequest] | None = None


# --- writes: responses -------------------------------------------------------------------------


class NewUserResponseAccountProperties(_Response):
    id: GUID | None = None
    site_id: int | None = None
    permission_profile: PermissionProfileResponse | None = None
    groups: list[MemberGroupResponse] | None = None
    company_name: str | None = None
    job_title: str | None = None
    license_type: str | None = None
    subscription_id: str | None = None
    plan_name: str | None = None
    license_status: str | None = None


class NewUserResponse(_Response):
    id: GUID | None = None
    site_id: int | None = None
    user_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    language_culture: str | None = None
    federated_status: str | None = None
    accounts: list[NewUserResponseAccountProperties] | None = None


class UserUpdateResponse(_Response):
    id: GUID | None = None
    site_id: int | None = None
    email: str | None = None
    error_details: ErrorDetails | None = None


class UsersUpdateResponse(_Response):
    success: bool | None = None
    users: list[UserUpdateResponse] | None = None


class DeleteMembershipResponse(_Response):
    id: GUID | None = None
    error_details: ErrorDetails | None = None


class DeleteMembershipsResponse(_Response):
    success: bool | None = None
    accounts: list[DeleteMembershipResponse] | None = None


class UpdateResponse(_Response):
    status: str | None = None


class MembershipDataRedactionResponse(_Response):
    account_id: GUID | None = None
    status: str | None = None


class IndividualUserDataRedactionResponse(_Response):
    user_id: GUID | None = None
    status: str | None = None
    membership_results: list[MembershipDataRedactionResponse] | None = None
