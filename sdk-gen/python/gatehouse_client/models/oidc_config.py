from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="OidcConfig")


@_attrs_define
class OidcConfig:
    """
    Attributes:
        has_client_secret (bool): Whether a client secret is stored (it is never returned).
        scopes (list[str]):
        redirect_uri (str): The callback URL to register at the identity provider as this connection's redirect URI.
        issuer (None | str | Unset):
        discovery_url (None | str | Unset):
        client_id (None | str | Unset):
    """

    has_client_secret: bool
    scopes: list[str]
    redirect_uri: str
    issuer: None | str | Unset = UNSET
    discovery_url: None | str | Unset = UNSET
    client_id: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        has_client_secret = self.has_client_secret

        scopes = self.scopes

        redirect_uri = self.redirect_uri

        issuer: None | str | Unset
        if isinstance(self.issuer, Unset):
            issuer = UNSET
        else:
            issuer = self.issuer

        discovery_url: None | str | Unset
        if isinstance(self.discovery_url, Unset):
            discovery_url = UNSET
        else:
            discovery_url = self.discovery_url

        client_id: None | str | Unset
        if isinstance(self.client_id, Unset):
            client_id = UNSET
        else:
            client_id = self.client_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "has_client_secret": has_client_secret,
                "scopes": scopes,
                "redirect_uri": redirect_uri,
            }
        )
        if issuer is not UNSET:
            field_dict["issuer"] = issuer
        if discovery_url is not UNSET:
            field_dict["discovery_url"] = discovery_url
        if client_id is not UNSET:
            field_dict["client_id"] = client_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        has_client_secret = d.pop("has_client_secret")

        scopes = cast(list[str], d.pop("scopes"))

        redirect_uri = d.pop("redirect_uri")

        def _parse_issuer(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        issuer = _parse_issuer(d.pop("issuer", UNSET))

        def _parse_discovery_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        discovery_url = _parse_discovery_url(d.pop("discovery_url", UNSET))

        def _parse_client_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        client_id = _parse_client_id(d.pop("client_id", UNSET))

        oidc_config = cls(
            has_client_secret=has_client_secret,
            scopes=scopes,
            redirect_uri=redirect_uri,
            issuer=issuer,
            discovery_url=discovery_url,
            client_id=client_id,
        )

        oidc_config.additional_properties = d
        return oidc_config

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
