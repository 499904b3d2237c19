from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="PolicyInput")


@_attrs_define
class PolicyInput:
    """Fields to set; with PUT absent fields take their defaults, with PATCH they keep their value.

    Attributes:
        allowed_auth_methods (list[str] | None | Unset):
        sso_required (bool | None | Unset):
        sso_exempt_guests (bool | None | Unset):
        mfa_required (bool | None | Unset):
        max_session_age (int | None | Unset):
        idle_timeout (int | None | Unset):
        jit_provisioning (bool | None | Unset):
        jit_membership (bool | None | Unset):
        guest_domains (list[str] | None | Unset):
        invitation_domains (list[str] | None | Unset):
        require_work_email (bool | None | Unset):
    """

    allowed_auth_methods: list[str] | None | Unset = UNSET
    sso_required: bool | None | Unset = UNSET
    sso_exempt_guests: bool | None | Unset = UNSET
    mfa_required: bool | None | Unset = UNSET
    max_session_age: int | None | Unset = UNSET
    idle_timeout: int | None | Unset = UNSET
    jit_provisioning: bool | None | Unset = UNSET
    jit_membership: bool | None | Unset = UNSET
    guest_domains: list[str] | None | Unset = UNSET
    invitation_domains: list[str] | None | Unset = UNSET
    require_work_email: bool | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        allowed_auth_methods: list[str] | None | Unset
        if isinstance(self.allowed_auth_methods, Unset):
            allowed_auth_methods = UNSET
        elif isinstance(self.allowed_auth_methods, list):
            allowed_auth_methods = self.allowed_auth_methods

        else:
            allowed_auth_methods = self.allowed_auth_methods

        sso_required: bool | None | Unset
        if isinstance(self.sso_required, Unset):
            sso_required = UNSET
        else:
            sso_required = self.sso_required

        sso_exempt_guests: bool | None | Unset
        if isinstance(self.sso_exempt_guests, Unset):
            sso_exempt_guests = UNSET
        else:
            sso_exempt_guests = self.sso_exempt_guests

        mfa_required: bool | None | Unset
        if isinstance(self.mfa_required, Unset):
            mfa_required = UNSET
        else:
            mfa_required = self.mfa_required

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

        jit_provisioning: bool | None | Unset
        if isinstance(self.jit_provisioning, Unset):
            jit_provisioning = UNSET
        else:
            jit_provisioning = self.jit_provisioning

        jit_membership: bool | None | Unset
        if isinstance(self.jit_membership, Unset):
            jit_membership = UNSET
        else:
            jit_membership = self.jit_membership

        guest_domains: list[str] | None | Unset
        if isinstance(self.guest_domains, Unset):
            guest_domains = UNSET
        elif isinstance(self.guest_domains, list):
            guest_domains = self.guest_domains

        else:
            guest_domains = self.guest_domains

        invitation_domains: list[str] | None | Unset
        if isinstance(self.invitation_domains, Unset):
            invitation_domains = UNSET
        elif isinstance(self.invitation_domains, list):
            invitation_domains = self.invitation_domains

        else:
            invitation_domains = self.invitation_domains

        require_work_email: bool | None | Unset
        if isinstance(self.require_work_email, Unset):
            require_work_email = UNSET
        else:
            require_work_email = self.require_work_email

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if allowed_auth_methods is not UNSET:
            field_dict["allowed_auth_methods"] = allowed_auth_methods
        if sso_required is not UNSET:
            field_dict["sso_required"] = sso_required
        if sso_exempt_guests is not UNSET:
            field_dict["sso_exempt_guests"] = sso_exempt_guests
        if mfa_required is not UNSET:
            field_dict["mfa_required"] = mfa_required
        if max_session_age is not UNSET:
            field_dict["max_session_age"] = max_session_age
        if idle_timeout is not UNSET:
            field_dict["idle_timeout"] = idle_timeout
        if jit_provisioning is not UNSET:
            field_dict["jit_provisioning"] = jit_provisioning
        if jit_membership is not UNSET:
            field_dict["jit_membership"] = jit_membership
        if guest_domains is not UNSET:
            field_dict["guest_domains"] = guest_domains
        if invitation_domains is not UNSET:
            field_dict["invitation_domains"] = invitation_domains
        if require_work_email is not UNSET:
            field_dict["require_work_email"] = require_work_email

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

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

        def _parse_sso_required(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        sso_required = _parse_sso_required(d.pop("sso_required", UNSET))

        def _parse_sso_exempt_guests(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        sso_exempt_guests = _parse_sso_exempt_guests(d.pop("sso_exempt_guests", UNSET))

        def _parse_mfa_required(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        mfa_required = _parse_mfa_required(d.pop("mfa_required", UNSET))

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

        def _parse_jit_provisioning(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        jit_provisioning = _parse_jit_provisioning(d.pop("jit_provisioning", UNSET))

        def _parse_jit_membership(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        jit_membership = _parse_jit_membership(d.pop("jit_membership", UNSET))

        def _parse_guest_domains(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                guest_domains_type_0 = cast(list[str], data)

                return guest_domains_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        guest_domains = _parse_guest_domains(d.pop("guest_domains", UNSET))

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

        def _parse_require_work_email(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        require_work_email = _parse_require_work_email(
            d.pop("require_work_email", UNSET)
        )

        policy_input = cls(
            allowed_auth_methods=allowed_auth_methods,
            sso_required=sso_required,
            sso_exempt_guests=sso_exempt_guests,
            mfa_required=mfa_required,
            max_session_age=max_session_age,
            idle_timeout=idle_timeout,
            jit_provisioning=jit_provisioning,
            jit_membership=jit_membership,
            guest_domains=guest_domains,
            invitation_domains=invitation_domains,
            require_work_email=require_work_email,
        )

        policy_input.additional_properties = d
        return policy_input

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
