from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.session_auth_method import SessionAuthMethod


T = TypeVar("T", bound="Session")


@_attrs_define
class Session:
    """
    Attributes:
        object_ (str): Always `session`.
        id (str):
        user_id (str):
        status (str): active | revoked | expired
        auth_methods (list[SessionAuthMethod]):
        last_seen_at (datetime.datetime):
        expires_at (datetime.datetime):
        created_at (datetime.datetime):
        organization_id (None | str | Unset):
        mfa_at (datetime.datetime | None | Unset):
        ip_address (None | str | Unset):
        user_agent (None | str | Unset):
    """

    object_: str
    id: str
    user_id: str
    status: str
    auth_methods: list[SessionAuthMethod]
    last_seen_at: datetime.datetime
    expires_at: datetime.datetime
    created_at: datetime.datetime
    organization_id: None | str | Unset = UNSET
    mfa_at: datetime.datetime | None | Unset = UNSET
    ip_address: None | str | Unset = UNSET
    user_agent: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_ = self.object_

        id = self.id

        user_id = self.user_id

        status = self.status

        auth_methods = []
        for auth_methods_item_data in self.auth_methods:
            auth_methods_item = auth_methods_item_data.to_dict()
            auth_methods.append(auth_methods_item)

        last_seen_at = self.last_seen_at.isoformat()

        expires_at = self.expires_at.isoformat()

        created_at = self.created_at.isoformat()

        organization_id: None | str | Unset
        if isinstance(self.organization_id, Unset):
            organization_id = UNSET
        else:
            organization_id = self.organization_id

        mfa_at: None | str | Unset
        if isinstance(self.mfa_at, Unset):
            mfa_at = UNSET
        elif isinstance(self.mfa_at, datetime.datetime):
            mfa_at = self.mfa_at.isoformat()
        else:
            mfa_at = self.mfa_at

        ip_address: None | str | Unset
        if isinstance(self.ip_address, Unset):
            ip_address = UNSET
        else:
            ip_address = self.ip_address

        user_agent: None | str | Unset
        if isinstance(self.user_agent, Unset):
            user_agent = UNSET
        else:
            user_agent = self.user_agent

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "id": id,
                "user_id": user_id,
                "status": status,
                "auth_methods": auth_methods,
                "last_seen_at": last_seen_at,
                "expires_at": expires_at,
                "created_at": created_at,
            }
        )
        if organization_id is not UNSET:
            field_dict["organization_id"] = organization_id
        if mfa_at is not UNSET:
            field_dict["mfa_at"] = mfa_at
        if ip_address is not UNSET:
            field_dict["ip_address"] = ip_address
        if user_agent is not UNSET:
            field_dict["user_agent"] = user_agent

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.session_auth_method import SessionAuthMethod

        d = dict(src_dict)
        object_ = d.pop("object")

        id = d.pop("id")

        user_id = d.pop("user_id")

        status = d.pop("status")

        auth_methods = []
        _auth_methods = d.pop("auth_methods")
        for auth_methods_item_data in _auth_methods:
            auth_methods_item = SessionAuthMethod.from_dict(auth_methods_item_data)

            auth_methods.append(auth_methods_item)

        last_seen_at = datetime.datetime.fromisoformat(d.pop("last_seen_at"))

        expires_at = datetime.datetime.fromisoformat(d.pop("expires_at"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_organization_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        organization_id = _parse_organization_id(d.pop("organization_id", UNSET))

        def _parse_mfa_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                mfa_at_type_0 = datetime.datetime.fromisoformat(data)

                return mfa_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        mfa_at = _parse_mfa_at(d.pop("mfa_at", UNSET))

        def _parse_ip_address(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        ip_address = _parse_ip_address(d.pop("ip_address", UNSET))

        def _parse_user_agent(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        user_agent = _parse_user_agent(d.pop("user_agent", UNSET))

        session = cls(
            object_=object_,
            id=id,
            user_id=user_id,
            status=status,
            auth_methods=auth_methods,
            last_seen_at=last_seen_at,
            expires_at=expires_at,
            created_at=created_at,
            organization_id=organization_id,
            mfa_at=mfa_at,
            ip_address=ip_address,
            user_agent=user_agent,
        )

        session.additional_properties = d
        return session

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
