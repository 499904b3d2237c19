from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="SocialProvider")


@_attrs_define
class SocialProvider:
    """This environment's OAuth client at a social provider. The client secret is write-only.

    Attributes:
        object_ (str): Always `social_provider`.
        id (str):
        provider (str): google, microsoft or github.
        client_id (str):
        client_secret_set (bool): A secret is stored (sealed); it is never returned.
        enabled (bool): A disabled registration turns the provider off, also when the configuration file names it.
        redirect_uri (str): The redirect URI to register at the provider.
        created_at (datetime.datetime):
        updated_at (datetime.datetime):
        base_url (None | str | Unset): Replaces the provider's public base URL (sovereign clouds, tests against a local
            provider).
        tenant (None | str | Unset): Microsoft only: common, organizations, consumers or a tenant id.
    """

    object_: str
    id: str
    provider: str
    client_id: str
    client_secret_set: bool
    enabled: bool
    redirect_uri: str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    base_url: None | str | Unset = UNSET
    tenant: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_ = self.object_

        id = self.id

        provider = self.provider

        client_id = self.client_id

        client_secret_set = self.client_secret_set

        enabled = self.enabled

        redirect_uri = self.redirect_uri

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        base_url: None | str | Unset
        if isinstance(self.base_url, Unset):
            base_url = UNSET
        else:
            base_url = self.base_url

        tenant: None | str | Unset
        if isinstance(self.tenant, Unset):
            tenant = UNSET
        else:
            tenant = self.tenant

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "id": id,
                "provider": provider,
                "client_id": client_id,
                "client_secret_set": client_secret_set,
                "enabled": enabled,
                "redirect_uri": redirect_uri,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )
        if base_url is not UNSET:
            field_dict["base_url"] = base_url
        if tenant is not UNSET:
            field_dict["tenant"] = tenant

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        object_ = d.pop("object")

        id = d.pop("id")

        provider = d.pop("provider")

        client_id = d.pop("client_id")

        client_secret_set = d.pop("client_secret_set")

        enabled = d.pop("enabled")

        redirect_uri = d.pop("redirect_uri")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        def _parse_base_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        base_url = _parse_base_url(d.pop("base_url", UNSET))

        def _parse_tenant(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        tenant = _parse_tenant(d.pop("tenant", UNSET))

        social_provider = cls(
            object_=object_,
            id=id,
            provider=provider,
            client_id=client_id,
            client_secret_set=client_secret_set,
            enabled=enabled,
            redirect_uri=redirect_uri,
            created_at=created_at,
            updated_at=updated_at,
            base_url=base_url,
            tenant=tenant,
        )

        social_provider.additional_properties = d
        return social_provider

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
