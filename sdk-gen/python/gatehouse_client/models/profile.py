from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.profile_raw_attributes import ProfileRawAttributes


T = TypeVar("T", bound="Profile")


@_attrs_define
class Profile:
    """
    Attributes:
        object_ (str): Always `profile`.
        id (str):
        connection_id (str): For a social sign-in: the provider (google, microsoft, github).
        connection_type (str): SAML, OIDC, or for a social sign-in GoogleOAuth, MicrosoftOAuth, GitHubOAuth.
        idp_id (str):
        email_trusted (bool): The email's domain is verified by the connection's organization; for a social sign-in, the
            provider
            may vouch for the address (Gmail or the Workspace `hd` domain, Microsoft's `xms_edov`; GitHub never).
        groups (list[str]):
        raw_attributes (ProfileRawAttributes):
        organization_id (None | str | Unset): Null for a social sign-in.
        email (None | str | Unset):
        first_name (None | str | Unset):
        last_name (None | str | Unset):
    """

    object_: str
    id: str
    connection_id: str
    connection_type: str
    idp_id: str
    email_trusted: bool
    groups: list[str]
    raw_attributes: ProfileRawAttributes
    organization_id: None | str | Unset = UNSET
    email: None | str | Unset = UNSET
    first_name: None | str | Unset = UNSET
    last_name: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_ = self.object_

        id = self.id

        connection_id = self.connection_id

        connection_type = self.connection_type

        idp_id = self.idp_id

        email_trusted = self.email_trusted

        groups = self.groups

        raw_attributes = self.raw_attributes.to_dict()

        organization_id: None | str | Unset
        if isinstance(self.organization_id, Unset):
            organization_id = UNSET
        else:
            organization_id = self.organization_id

        email: None | str | Unset
        if isinstance(self.email, Unset):
            email = UNSET
        else:
            email = self.email

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
                "connection_id": connection_id,
                "connection_type": connection_type,
                "idp_id": idp_id,
                "email_trusted": email_trusted,
                "groups": groups,
                "raw_attributes": raw_attributes,
            }
        )
        if organization_id is not UNSET:
            field_dict["organization_id"] = organization_id
        if email is not UNSET:
            field_dict["email"] = email
        if first_name is not UNSET:
            field_dict["first_name"] = first_name
        if last_name is not UNSET:
            field_dict["last_name"] = last_name

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.profile_raw_attributes import ProfileRawAttributes

        d = dict(src_dict)
        object_ = d.pop("object")

        id = d.pop("id")

        connection_id = d.pop("connection_id")

        connection_type = d.pop("connection_type")

        idp_id = d.pop("idp_id")

        email_trusted = d.pop("email_trusted")

        groups = cast(list[str], d.pop("groups"))

        raw_attributes = ProfileRawAttributes.from_dict(d.pop("raw_attributes"))

        def _parse_organization_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        organization_id = _parse_organization_id(d.pop("organization_id", UNSET))

        def _parse_email(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        email = _parse_email(d.pop("email", UNSET))

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

        profile = cls(
            object_=object_,
            id=id,
            connection_id=connection_id,
            connection_type=connection_type,
            idp_id=idp_id,
            email_trusted=email_trusted,
            groups=groups,
            raw_attributes=raw_attributes,
            organization_id=organization_id,
            email=email,
            first_name=first_name,
            last_name=last_name,
        )

        profile.additional_properties = d
        return profile

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
