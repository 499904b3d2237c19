from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="OrganizationPolicy")


@_attrs_define
class OrganizationPolicy:
    """
    Attributes:
        object_ (str): Always `organization_policy`.
        organization_id (str):
        sso_required (bool):
        sso_exempt_guests (bool):
        mfa_required (bool):
        jit_provisioning (bool):
        jit_membership (bool):
        guest_domains (list[str]):
        require_work_email (bool):
        allowed_auth_methods (list[str] | None | Unset): null allows every method; else password, magic_auth, sso,
            oauth:<provider>.
        max_session_age (int | None | Unset): Seconds since the last authentication.
        idle_timeout (int | None | Unset): Seconds since the session was last refreshed.
        invitation_domains (list[str] | None | Unset): null lets admins invite any address.
    """

    object_: str
    organization_id: str
    sso_required: bool
    sso_exempt_guests: bool
    mfa_required: bool
    jit_provisioning: bool
    jit_membership: bool
    guest_domains: list[str]
    require_work_email: bool
    allowed_auth_methods: list[str] | None | Unset = UNSET
    max_session_age: int | None | Unset = UNSET
    idle_timeout: int | None | Unset = UNSET
    invitation_domains: list[str] | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_ = self.object_

        organization_id = self.organization_id

        sso_required = self.sso_required

        sso_exempt_guests = self.sso_exempt_guests

        mfa_required = self.mfa_required

        jit_provisioning = self.jit_provisioning

        jit_membership = self.jit_membership

        guest_domains = self.guest_domains

        require_work_email = self.require_work_email

        allowed_auth_methods: list[str] | None | Unset
        if isinstance(self.allowed_auth_methods, Unset):
            allowed_auth_methods = UNSET
        elif isinstance(self.allowed_auth_methods, list):
            allowed_auth_methods = self.allowed_auth_methods

        else:
            allowed_auth_methods = self.allowed_auth_methods

        max_session_age: int | None | Unset
        if isinstance(self.max_session_age, Unset):
            max_session_age = UNSET
        else:
            max_session_age = self.max_session_age

        idle_timeout: int | None | Unset
        if isinstance(self.idle_timeout, Unset):
            idle_timeout = UNSET
        else:
            idle_timeout = self.idle_timeout

        invitation_domains: list[str] | None | Unset
        if isinstance(self.invitation_domains, Unset):
            invitation_domains = UNSET
        elif isinstance(self.invitation_domains, list):
            invitation_domains = self.invitation_domains

        else:
            invitation_domains = self.invitation_domains

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "organization_id": organization_id,
                "sso_required": sso_required,
                "sso_exempt_guests": sso_exempt_guests,
                "mfa_required": mfa_required,
                "jit_provisioning": jit_provisioning,
                "jit_membership": jit_membership,
                "guest_domains": guest_domains,
                "require_work_email": require_work_email,
            }
        )
        if allowed_auth_methods is not UNSET:
            field_dict["allowed_auth_methods"] = allowed_auth_methods
        if max_session_age is not UNSET:
            field_dict["max_session_age"] = max_session_age
        if idle_timeout is not UNSET:
            field_dict["idle_timeout"] = idle_timeout
        if invitation_domains is not UNSET:
            field_dict["invitation_domains"] = invitation_domains

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        object_ = d.pop("object")

        organization_id = d.pop("organization_id")

        sso_required = d.pop("sso_required")

        sso_exempt_guests = d.pop("sso_exempt_guests")

        mfa_required = d.pop("mfa_required")

        jit_provisioning = d.pop("jit_provisioning")

        jit_membership = d.pop("jit_membership")

        guest_domains = cast(list[str], d.pop("guest_domains"))

        require_work_email = d.pop("require_work_email")

        def _parse_allowed_auth_methods(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                allowed_auth_methods_type_0 = cast(list[str], data)

                return allowed_auth_methods_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        allowed_auth_methods = _parse_allowed_auth_methods(
            d.pop("allowed_auth_methods", UNSET)
        )

        def _parse_max_session_age(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_session_age = _parse_max_session_age(d.pop("max_session_age", UNSET))

        def _parse_idle_timeout(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        idle_timeout = _parse_idle_timeout(d.pop("idle_timeout", UNSET))

        def _parse_invitation_domains(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                invitation_domains_type_0 = cast(list[str], data)

                return invitation_domains_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        invitation_domains = _parse_invitation_domains(
            d.pop("invitation_domains", UNSET)
        )

        organization_policy = cls(
            object_=object_,
            organization_id=organization_id,
            sso_required=sso_required,
            sso_exempt_guests=sso_exempt_guests,
            mfa_required=mfa_required,
            jit_provisioning=jit_provisioning,
            jit_membership=jit_membership,
            guest_domains=guest_domains,
            require_work_email=require_work_email,
            allowed_auth_methods=allowed_auth_methods,
            max_session_age=max_session_age,
            idle_timeout=idle_timeout,
            invitation_domains=invitation_domains,
        )

        organization_policy.additional_properties = d
        return organization_policy

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
