from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.directory_list import DirectoryList
from ...models.error import Error
from ...models.list_order import ListOrder
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    organization_id: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    before: str | Unset = UNSET,
    after: str | Unset = UNSET,
    order: ListOrder | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["organization_id"] = organization_id

    params["limit"] = limit

    params["before"] = before

    params["after"] = after

    json_order: str | Unset = UNSET
    if not isinstance(order, Unset):
        json_order = order.value

    params["order"] = json_order

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/directories",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> DirectoryList | Error | None:
    if response.status_code == 200:
        response_200 = DirectoryList.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Error.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Error.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Error.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Error.from_dict(response.json())

        return response_404

    if response.status_code == 409:
        response_409 = Error.from_dict(response.json())

        return response_409

    if response.status_code == 422:
        response_422 = Error.from_dict(response.json())

        return response_422

    if response.status_code == 429:
        response_429 = Error.from_dict(response.json())

        return response_429

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[DirectoryList | Error]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    organization_id: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    before: str | Unset = UNSET,
    after: str | Unset = UNSET,
    order: ListOrder | Unset = UNSET,
) -> Response[DirectoryList | Error]:
    """List directories

    Args:
        organization_id (str | Unset):
        limit (int | Unset):
        before (str | Unset):
        after (str | Unset):
        order (ListOrder | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DirectoryList | Error]
    """

    kwargs = _get_kwargs(
        organization_id=organization_id,
        limit=limit,
        before=before,
        after=after,
        order=order,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    organization_id: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    before: str | Unset = UNSET,
    after: str | Unset = UNSET,
    order: ListOrder | Unset = UNSET,
) -> DirectoryList | Error | None:
    """List directories

    Args:
        organization_id (str | Unset):
        limit (int | Unset):
        before (str | Unset):
        after (str | Unset):
        order (ListOrder | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DirectoryList | Error
    """

    return sync_detailed(
        client=client,
        organization_id=organization_id,
        limit=limit,
        before=before,
        after=after,
        order=order,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    organization_id: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    before: str | Unset = UNSET,
    after: str | Unset = UNSET,
    order: ListOrder | Unset = UNSET,
) -> Response[DirectoryList | Error]:
    """List directories

    Args:
        organization_id (str | Unset):
        limit (int | Unset):
        before (str | Unset):
        after (str | Unset):
        order (ListOrder | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DirectoryList | Error]
    """

    kwargs = _get_kwargs(
        organization_id=organization_id,
        limit=limit,
        before=before,
        after=after,
        order=order,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    organization_id: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    before: str | Unset = UNSET,
    after: str | Unset = UNSET,
    order: ListOrder | Unset = UNSET,
) -> DirectoryList | Error | None:
    """List directories

    Args:
        organization_id (str | Unset):
        limit (int | Unset):
        before (str | Unset):
        after (str | Unset):
        order (ListOrder | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DirectoryList | Error
    """

    return (
        await asyncio_detailed(
            client=client,
            organization_id=organization_id,
            limit=limit,
            before=before,
            after=after,
            order=order,
        )
    ).parsed
