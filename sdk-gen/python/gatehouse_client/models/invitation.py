from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Invitation")


@_attrs_define
class Invitation:
    """
    Attributes:
        object_ (str): Always `invitation`.
        id (str):
        email (str):
        state (str): pending | accepted | expired | revoked
        organization_id (str):
        role_slug (str):
        kind (str): member | guest: how the invitee joins
        variant (str): new_user | existing_user | work_email_required: which email the invitee got
        expires_at (datetime.datetime):
        reminders_sent (int):
        created_at (datetime.datetime):
        updated_at (datetime.datetime):
        inviter_user_id (None | str | Unset):
        accepted_user_id (None | str | Unset):
        accepted_at (datetime.datetime | None | Unset):
        revoked_at (datetime.datetime | None | Unset):
        token (None | str | Unset): Only in the answers of create and resend: the one-time token of the emailed link.
        accept_invitation_url (None | str | Unset): Only in the answers of create and resend: the emailed link.
    """

    object_: str
    id: str
    email: str
    state: str
    organization_id: str
    role_slug: str
    kind: str
    variant: str
    expires_at: datetime.datetime
    reminders_sent: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    inviter_user_id: None | str | Unset = UNSET
    accepted_user_id: None | str | Unset = UNSET
    accepted_at: datetime.datetime | None | Unset = UNSET
    revoked_at: datetime.datetime | None | Unset = UNSET
    token: None | str | Unset = UNSET
    accept_invitation_url: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_ = self.object_

        id = self.id

        email = self.email

        state = self.state

        organization_id = self.organization_id

        role_slug = self.role_slug

        kind = self.kind

        variant = self.variant

        expires_at = self.expires_at.isoformat()

        reminders_sent = self.reminders_sent

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        inviter_user_id: None | str | Unset
        if isinstance(self.inviter_user_id, Unset):
            inviter_user_id = UNSET
        else:
            inviter_user_id = self.inviter_user_id

        accepted_user_id: None | str | Unset
        if isinstance(self.accepted_user_id, Unset):
            accepted_user_id = UNSET
        else:
            accepted_user_id = self.accepted_user_id

        accepted_at: None | str | Unset
        if isinstance(self.accepted_at, Unset):
            accepted_at = UNSET
        elif isinstance(self.accepted_at, datetime.datetime):
            accepted_at = self.accepted_at.isoformat()
        else:
            accepted_at = self.accepted_at

        revoked_at: None | str | Unset
        if isinstance(self.revoked_at, Unset):
            revoked_at = UNSET
        elif isinstance(self.revoked_at, datetime.datetime):
            revoked_at = self.revoked_at.isoformat()
        else:
            revoked_at = self.revoked_at

        token: None | str | Unset
        if isinstance(self.token, Unset):
            token = UNSET
        else:
            token = self.token

        accept_invitation_url: None | str | Unset
        if isinstance(self.accept_invitation_url, Unset):
            accept_invitation_url = UNSET
        else:
            accept_invitation_url = self.accept_invitation_url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "id": id,
                "email": email,
                "state": state,
                "organization_id": organization_id,
                "role_slug": role_slug,
                "kind": kind,
                "variant": variant,
                "expires_at": expires_at,
                "reminders_sent": reminders_sent,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )
        if inviter_user_id is not UNSET:
            field_dict["inviter_user_id"] = inviter_user_id
        if accepted_user_id is not UNSET:
            field_dict["accepted_user_id"] = accepted_user_id
        if accepted_at is not UNSET:
            field_dict["accepted_at"] = accepted_at
        if revoked_at is not UNSET:
            field_dict["revoked_at"] = revoked_at
        if token is not UNSET:
            field_dict["token"] = token
        if accept_invitation_url is not UNSET:
            field_dict["accept_invitation_url"] = accept_invitation_url

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        object_ = d.pop("object")

        id = d.pop("id")

        email = d.pop("email")

        state = d.pop("state")

        organization_id = d.pop("organization_id")

        role_slug = d.pop("role_slug")

        kind = d.pop("kind")

        variant = d.pop("variant")

        expires_at = datetime.datetime.fromisoformat(d.pop("expires_at"))

        reminders_sent = d.pop("reminders_sent")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        def _parse_inviter_user_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        inviter_user_id = _parse_inviter_user_id(d.pop("inviter_user_id", UNSET))

        def _parse_accepted_user_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        accepted_user_id = _parse_accepted_user_id(d.pop("accepted_user_id", UNSET))

        def _parse_accepted_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                accepted_at_type_0 = datetime.datetime.fromisoformat(data)

                return accepted_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        accepted_at = _parse_accepted_at(d.pop("accepted_at", UNSET))

        def _parse_revoked_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                revoked_at_type_0 = datetime.datetime.fromisoformat(data)

                return revoked_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        revoked_at = _parse_revoked_at(d.pop("revoked_at", UNSET))

        def _parse_token(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        token = _parse_token(d.pop("token", UNSET))

        def _parse_accept_invitation_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        accept_invitation_url = _parse_accept_invitation_url(
            d.pop("accept_invitation_url", UNSET)
        )

        invitation = cls(
            object_=object_,
            id=id,
            email=email,
            state=state,
            organization_id=organization_id,
            role_slug=role_slug,
            kind=kind,
            variant=variant,
            expires_at=expires_at,
            reminders_sent=reminders_sent,
            created_at=created_at,
            updated_at=updated_at,
            inviter_user_id=inviter_user_id,
            accepted_user_id=accepted_user_id,
            accepted_at=accepted_at,
            revoked_at=revoked_at,
            token=token,
            accept_invitation_url=accept_invitation_url,
        )

        invitation.additional_properties = d
        return invitation

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
