"""The SDK's HTTP client: a shop over Tanzi's open API, for remote apps.

    from sdk.http import HttpShopClient, RefreshTokenGrant, TokenSet

    grant = RefreshTokenGrant(
        "https://tanzi.example/oauth/token", client_id="app_123", client_secret="..."
    )
    with HttpShopClient(
        "https://tanzi.example",
        shop_id=42,
        token=TokenSet(access_token=access, refresh_token=refresh, expires_at=expires_at),
        refresh=grant,
        on_tokens=save_tokens,  # refresh tokens rotate: keep the newest
    ) as client:
        for order in client.iter_orders(status="paid"):
            client.records.put("seen", str(order.id), {"total_fen": order.total_fen})

``HttpShopClient`` has the same methods as the in-process ``ShopClient`` (``products``,
``orders``, ``aftersales``, ``logistics``, ``shop``, ``records``) and raises the same
:mod:`sdk.errors`. This package imports httpx and authlib; ``import sdk`` does not import
it until ``sdk.HttpShopClient`` is first used.
"""

from sdk.http.client import HttpShopClient
from sdk.http.tokens import RefreshTokenGrant, TokenRefresher, TokenSet
from sdk.http.transport import RetryPolicy

__all__ = ["HttpShopClient", "RefreshTokenGrant", "RetryPolicy", "TokenRefresher", "TokenSet"]
