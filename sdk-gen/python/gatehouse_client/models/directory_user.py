from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.directory_user_email import DirectoryUserEmail


T = TypeVar("T", bound="DirectoryUser")


@_attrs_define
class DirectoryUser:
    """
    Attributes:
        object_ (str): Always `directory_user`.
        id (str):
        directory_id (str):
        organization_id (str):
        username (str):
        emails (list[DirectoryUserEmail]):
        state (str): active | inactive
        custom_attributes (Any): The enterprise extension's attributes.
        raw_attributes (Any): The SCIM resource as the IdP sent it (no password).
        created_at (datetime.datetime):
        updated_at (datetime.datetime):
        user_id (None | str | Unset): The core user this directory user is linked to (by a trusted email), or null.
        idp_id (None | str | Unset): The IdP's id (SCIM `externalId`).
        first_name (None | str | Unset):
        last_name (None | str | Unset):
    """

    object_: str
    id: str
    directory_id: str
    organization_id: str
    username: str
    emails: list[DirectoryUserEmail]
    state: str
    custom_attributes: Any
    raw_attributes: Any
    created_at: datetime.datetime
    updated_at: datetime.datetime
    user_id: None | str | Unset = UNSET
    idp_id: None | str | Unset = UNSET
    first_name: None | str | Unset = UNSET
    last_name: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_ = self.object_

        id = self.id

        directory_id = self.directory_id

        organization_id = self.organization_id

        username = self.username

        emails = []
        for emails_item_data in self.emails:
            emails_item = emails_item_data.to_dict()
            emails.append(emails_item)

        state = self.state

        custom_attributes = self.custom_attributes

        raw_attributes = self.raw_attributes

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        user_id: None | str | Unset
        if isinstance(self.user_id, Unset):
            user_id = UNSET
        else:
            user_id = self.user_id

        idp_id: None | str | Unset
        if isinstance(self.idp_id, Unset):
            idp_id = UNSET
        else:
            idp_id = self.idp_id

        first_name: None | str | Unset
        if isinstance(self.first_name, Unset):
            first_name = UNSET
        else:
            first_name = self.first_name

        last_name: None | str | Unset
        if isinstance(self.last_name, Unset):
            last_name = UNSET
        else:
            last_name = self.last_name

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "id": id,
                "directory_id": directory_id,
                "organization_id": organization_id,
                "username": username,
                "emails": emails,
                "state": state,
                "custom_attributes": custom_attributes,
                "raw_attributes": raw_attributes,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )
        if user_id is not UNSET:
            field_dict["user_id"] = user_id
        if idp_id is not UNSET:
            field_dict["idp_id"] = idp_id
        if first_name is not UNSET:
            field_dict["first_name"] = first_name
        if last_name is not UNSET:
            field_dict["last_name"] = last_name

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.directory_user_email import DirectoryUserEmail

        d = dict(src_dict)
        object_ = d.pop("object")

        id = d.pop("id")

        directory_id = d.pop("directory_id")

        organization_id = d.pop("organization_id")

        username = d.pop("username")

        emails = []
        _emails = d.pop("emails")
        for emails_item_data in _emails:
            emails_item = DirectoryUserEmail.from_dict(emails_item_data)

            emails.append(emails_item)

        state = d.pop("state")

        custom_attributes = d.pop("custom_attributes")

        raw_attributes = d.pop("raw_attributes")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        def _parse_user_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        user_id = _parse_user_id(d.pop("user_id", UNSET))

        def _parse_idp_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        idp_id = _parse_idp_id(d.pop("idp_id", UNSET))

        def _parse_first_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        first_name = _parse_first_name(d.pop("first_name", UNSET))

        def _parse_last_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        last_name = _parse_last_name(d.pop("last_name", UNSET))

        directory_user = cls(
            object_=object_,
            id=id,
            directory_id=directory_id,
            organization_id=organization_id,
            username=username,
            emails=emails,
            state=state,
            custom_attributes=custom_attributes,
            raw_attributes=raw_attributes,
            created_at=created_at,
            updated_at=updated_at,
            user_id=user_id,
            idp_id=idp_id,
            first_name=first_name,
            last_name=last_name,
        )

        directory_user.additional_properties = d
        return directory_user

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
